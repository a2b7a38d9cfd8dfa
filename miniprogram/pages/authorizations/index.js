/**
 * 我的授权: every authorization I gave — to relatives, to field workers — with its state,
 * services, actions, period and what was done under it, in the API's words. Revoke one
 * (after a confirmation), confirm a field worker's proposal, name a relative, or scan the
 * worker's tablet QR (wx.scanCode), read the proposal in words and confirm it.
 */
const api = require('../../utils/api')
const authorizations = require('../../utils/authorizations')

Component({
  data: {
    authorizations: [], bundles: [], scopes: [], loading: true,
    form: authorizations.emptyForm(), fieldErrors: {}, message: '',
    proposal: null, scanToken: '', busy: false, error: ''
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
        const list = await api.get('/mp/v1/me/authorizations')
        this.options = { bundles: list.bundles, scopes: list.scopes }
        this.setData({ authorizations: list.authorizations.map(authorizations.given), loading: false, error: '' })
        this.showOptions()
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },

    showOptions() {
      const form = this.data.form
      this.setData({
        bundles: authorizations.options(this.options.bundles, form.bundles),
        scopes: authorizations.options(this.options.scopes, form.scopes)
      })
    },

    async guard(work) {
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        await work()
      } catch (err) {
        this.setData({ error: api.showError(err) })
      } finally {
        this.setData({ busy: false })
      }
    },

    /** End an authorization now: the agent's very next request is refused. */
    revoke(event) {
      const chosen = this.data.authorizations.find((a) => a.id === event.currentTarget.dataset.id)
      if (!chosen) return
      return new Promise((resolve) => wx.showModal({
        title: '撤销授权',
        content: '撤销后，' + chosen.agentName + '将不能再为您办理' + chosen.bundlesText + '。确定撤销吗？',
        confirmText: '撤销',
        success: (res) => resolve(res.confirm ? this.revokeNow(chosen) : null),
        fail: () => resolve(null)
      }))
    },

    async revokeNow(chosen) {
      await this.guard(async () => {
        await api.post('/mp/v1/me/authorizations/' + chosen.id + '/revoke')
        wx.showToast({ title: '已撤销', icon: 'success' })
      })
      await this.load()
    },

    /** Confirm, on my own phone, an authorization someone proposed (a field worker's visit). */
    async confirm(event) {
      const id = event.currentTarget.dataset.id
      await this.guard(async () => {
        await api.post('/mp/v1/me/authorizations/' + id + '/confirm')
        wx.showToast({ title: '已确认授权', icon: 'success' })
      })
      await this.load()
    },

    onField(event) {
      const field = event.currentTarget.dataset.field
      const value = [].concat(event.detail.value)
      const form = Object.assign({}, this.data.form, {
        [field]: field === 'bundles' || field === 'scopes' ? value : String(value[0] || '').trim()
      })
      const fieldErrors = Object.assign({}, this.data.fieldErrors, { [field]: '' })
      this.setData({ form, fieldErrors, message: '' })
      if (field === 'bundles' || field === 'scopes') this.showOptions()
    },

    /** Name a relative: it holds at once if the phone and real name match a verified resident. */
    async nameRelative() {
      const form = this.data.form
      const problems = authorizations.localProblems(form)
      if (Object.keys(problems).length) return this.setData({ fieldErrors: problems, message: '' })
      if (this.data.busy) return
      this.setData({ busy: true, error: '', fieldErrors: {}, message: '' })
      try {
        const answer = await api.post('/mp/v1/me/authorizations/relatives', authorizations.body(form))
        this.setData({ message: answer.message, form: authorizations.emptyForm() })
        this.showOptions()
        await this.load()
      } catch (err) {
        const fieldErrors = api.fieldMessages(err)
        this.setData({ fieldErrors, error: Object.keys(fieldErrors).length ? '' : err.message })
      } finally {
        this.setData({ busy: false })
      }
    },

    /** Scan the worker's tablet QR and show what it proposes, in words, before confirming. */
    scan() {
      return new Promise((resolve) => wx.scanCode({
        onlyFromCamera: true,
        scanType: ['qrCode'],
        success: (res) => resolve(this.readProposal(res.result)),
        fail: () => resolve(null)
      }))
    },

    async readProposal(scanned) {
      const token = authorizations.scanToken(scanned)
      if (!token) {
        this.setData({ proposal: null, scanToken: '', error: '这不是工作人员平板上的授权确认码，请扫描平板上显示的二维码。' })
        return
      }
      await this.guard(async () => {
        const proposal = await api.get('/mp/v1/me/authorizations/scan/' + token)
        this.setData({
          scanToken: token,
          proposal: Object.assign(authorizations.describe(proposal.authorization), { agentName: proposal.agentName })
        })
      })
    },

    async confirmScanned() {
      const token = this.data.scanToken
      if (!token) return
      await this.guard(async () => {
        await api.post('/mp/v1/me/authorizations/scan/' + token)
        this.setData({ proposal: null, scanToken: '' })
        wx.showToast({ title: '已确认授权', icon: 'success' })
      })
      await this.load()
    },

    cancelScanned() {
      this.setData({ proposal: null, scanToken: '' })
    }
  }
})
