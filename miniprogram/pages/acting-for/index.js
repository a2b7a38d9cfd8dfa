/**
 * 代亲属办: the people I may act for (a relative's authorization, a guardianship) and my asks
 * still waiting; 为TA办理 makes utils/api.js send X-Acting-For for them (one choice at a
 * time, kept until changed, given up, revoked or signed out). Ask to act for someone, have
 * them confirm with the code texted to them, give an authorization up, and prove a
 * guardianship: parent of a minor (household register) or appointed by a court (its decision,
 * photographed and uploaded for staff to check).
 */
const api = require('../../utils/api')
const authorizations = require('../../utils/authorizations')
const session = require('../../utils/session')

const EMPTY_WARD = { phone: '', name: '' }

Component({
  data: {
    principals: [], acting: null, loading: true, ended: '',
    bundles: [], scopes: [], ask: authorizations.emptyForm(), askErrors: {}, askMessage: '',
    codes: {}, codeMessages: {}, codeErrors: {},
    household: Object.assign({}, EMPTY_WARD), court: Object.assign({ filePath: '' }, EMPTY_WARD),
    guardianErrors: {}, guardianMessage: '', busy: false, error: ''
  },
  methods: {
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },

    async load() {
      try {
        const [list, choices] = await Promise.all([
          api.get('/mp/v1/me/acting-for'), api.get('/mp/v1/me/authorizations')
        ])
        this.options = { bundles: choices.bundles, scopes: choices.scopes }
        this.keepActingValid(list.principals)
        this.show(list.principals)
        this.setData({ loading: false, error: '' })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },

    show(principals) {
      const acting = session.actingFor()
      this.setData({ acting, principals: principals.map((p) => authorizations.principal(p, acting)) })
      this.showOptions()
    },

    showOptions() {
      this.setData({
        bundles: authorizations.options(this.options.bundles, this.data.ask.bundles),
        scopes: authorizations.options(this.options.scopes, this.data.ask.scopes)
      })
    },

    /** A person acted for who no longer lets me (revoked, expired, given up) stops the acting. */
    keepActingValid(principals) {
      const acting = session.actingFor()
      if (!acting || acting.kind !== session.PERSON) return
      if (!principals.some((p) => p.principalId === acting.id && p.authorization.active)) {
        session.actFor(null)
        this.setData({ ended: '「' + acting.name + '」给您的代办授权已结束，已切换为本人办理。' })
      }
    },

    async guard(work) {
      if (this.data.busy) return false
      this.setData({ busy: true, error: '' })
      try {
        await work()
        return true
      } catch (err) {
        this.setData({ error: api.showError(err) })
        return false
      } finally {
        this.setData({ busy: false })
      }
    },

    /** 为TA办理: drafts and applications become theirs until I switch back. */
    actFor(event) {
      const chosen = this.data.principals.find((p) => p.id === event.currentTarget.dataset.id)
      if (!chosen || !chosen.active) return
      session.actFor({ id: chosen.principalId, name: chosen.principalName, kind: session.PERSON })
      wx.showToast({ title: '正在为' + chosen.principalName + '代办', icon: 'none' })
      this.setData({ ended: '' })
      return this.load()
    },

    actAsMyself() {
      session.actFor(null)
      wx.showToast({ title: '已切换为本人办理', icon: 'none' })
      return this.load()
    },

    onField(event) {
      const { form, field } = event.currentTarget.dataset
      const value = [].concat(event.detail.value)
      const list = field === 'bundles' || field === 'scopes'
      const next = Object.assign({}, this.data[form], { [field]: list ? value : String(value[0] || '').trim() })
      const errors = form === 'ask' ? 'askErrors' : 'guardianErrors'
      this.setData({ [form]: next, [errors]: Object.assign({}, this.data[errors], { [field]: '' }) })
      if (list) this.showOptions()
    },

    /** Ask to act for someone: nothing holds until they confirm. */
    async askToAct() {
      const problems = authorizations.localProblems(this.data.ask)
      if (Object.keys(problems).length) return this.setData({ askErrors: problems, askMessage: '' })
      if (this.data.busy) return
      this.setData({ busy: true, error: '', askErrors: {}, askMessage: '' })
      try {
        const answer = await api.post('/mp/v1/me/acting-for/ask', authorizations.body(this.data.ask))
        this.setData({ askMessage: answer.message, ask: authorizations.emptyForm() })
        await this.load()
      } catch (err) {
        const askErrors = api.fieldMessages(err)
        this.setData({ askErrors, error: Object.keys(askErrors).length ? '' : err.message })
      } finally {
        this.setData({ busy: false })
      }
    },

    /** Text them a code; they read it to me. */
    async sendCode(event) {
      const id = event.currentTarget.dataset.id
      await this.guard(async () => {
        const answer = await api.post('/mp/v1/me/acting-for/' + id + '/code')
        this.setData({ ['codeMessages.' + id]: answer.message, ['codeErrors.' + id]: '' })
      })
    },

    onCode(event) {
      const id = event.currentTarget.dataset.id
      this.setData({ ['codes.' + id]: String(event.detail.value).trim(), ['codeErrors.' + id]: '' })
    },

    async confirmCode(event) {
      const id = event.currentTarget.dataset.id
      const code = this.data.codes[id] || ''
      if (!/^[0-9]{4,8}$/.test(code)) return this.setData({ ['codeErrors.' + id]: '请输入对方收到的短信验证码。' })
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        const list = await api.post('/mp/v1/me/acting-for/' + id + '/confirm', { code })
        this.setData({ ['codes.' + id]: '', ['codeMessages.' + id]: '' })
        this.show(list.principals)
        wx.showToast({ title: '授权已生效', icon: 'success' })
      } catch (err) {
        const messages = api.fieldMessages(err)
        if (messages.code) this.setData({ ['codeErrors.' + id]: messages.code })
        else this.setData({ error: err.message })
      } finally {
        this.setData({ busy: false })
      }
    },

    /** End an authorization naming me (after a confirmation). */
    giveUp(event) {
      const chosen = this.data.principals.find((p) => p.id === event.currentTarget.dataset.id)
      if (!chosen) return
      return new Promise((resolve) => wx.showModal({
        title: '放弃代办',
        content: '放弃后将不能再为' + chosen.principalName + '代办，需要对方重新授权。确定放弃吗？',
        confirmText: '放弃',
        success: (res) => resolve(res.confirm ? this.giveUpNow(chosen) : null),
        fail: () => resolve(null)
      }))
    },

    async giveUpNow(chosen) {
      await this.guard(async () => {
        const list = await api.post('/mp/v1/me/acting-for/' + chosen.id + '/give-up')
        const acting = session.actingFor()
        if (acting && acting.id === chosen.principalId) session.actFor(null)
        this.show(list.principals)
        wx.showToast({ title: '已放弃代办', icon: 'none' })
      })
    },

    /** A parent of a child under 18, from the household register. */
    async proveHousehold() {
      const ward = this.data.household
      if (!authorizations.PHONE.test(ward.phone) || !ward.name) {
        return this.setData({ guardianErrors: { household: '请输入孩子的手机号和真实姓名。' } })
      }
      const done = await this.guard(async () => {
        const answer = await api.post('/mp/v1/me/guardianships/household', { phone: ward.phone, name: ward.name })
        this.setData({ guardianMessage: answer.message, household: Object.assign({}, EMPTY_WARD), guardianErrors: {} })
      })
      if (done) await this.load()
    },

    /** Photograph the court's decision (or pick it from the album). */
    chooseDocument() {
      return new Promise((resolve) => wx.chooseMedia({
        count: 1, mediaType: ['image'], sourceType: ['camera', 'album'], sizeType: ['original'],
        success: (res) => {
          this.setData({ 'court.filePath': res.tempFiles[0].tempFilePath, 'guardianErrors.document': '' })
          resolve()
        },
        fail: () => resolve()
      }))
    },

    /** A guardian appointed by a court: the decision goes to staff to check. */
    async proveCourt() {
      const ward = this.data.court
      if (!authorizations.PHONE.test(ward.phone) || !ward.name) {
        return this.setData({ guardianErrors: { court: '请输入被监护人的手机号和真实姓名。' } })
      }
      if (!ward.filePath) return this.setData({ guardianErrors: { document: '请先拍摄或选择法院的判决书或指定监护文书。' } })
      const done = await this.guard(async () => {
        const answer = await api.upload({
          path: '/mp/v1/me/guardianships/court', filePath: ward.filePath, name: 'document',
          formData: { phone: ward.phone, name: ward.name }
        })
        this.setData({ guardianMessage: answer.message, court: Object.assign({ filePath: '' }, EMPTY_WARD), guardianErrors: {} })
      })
      if (done) await this.load()
    }
  }
})
