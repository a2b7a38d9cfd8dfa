/**
 * 我的: the signed-in person (numbers masked) and their real-name step (实名认证), the
 * enterprises they belong to with the switch to act for one (X-Acting-For, see
 * utils/api.js), 我的办件, 我的授权 (who may act for me), 代亲属办 (for whom I may act),
 * and signing out of this phone.
 */
const api = require('../../utils/api')
const auth = require('../../utils/auth')
const labels = require('../../utils/labels')
const session = require('../../utils/session')

Component({
  data: {
    me: null, levelLabel: '', verified: false, name: '', idNumber: '', enterprises: [],
    acting: null, busy: false, error: ''
  },
  methods: {
    onShow() {
      return this.load()
    },
    async load() {
      try {
        const [me, realName, list] = await Promise.all([
          api.get('/mp/v1/me'), api.get('/mp/v1/me/real-name'), api.get('/mp/v1/enterprises')
        ])
        this.keepActingValid(list.enterprises)
        const acting = session.actingFor()
        this.setData({
          me,
          acting,
          levelLabel: labels.realNameLevel(realName.realNameLevel),
          verified: realName.verified,
          enterprises: list.enterprises.map((e) => ({
            id: e.id, name: e.name, creditCode: e.creditCode, roleLabel: labels.role(e.role),
            current: Boolean(acting && acting.id === e.id)
          })),
          error: ''
        })
      } catch (err) {
        this.setData({ error: err.message })
      }
    },

    /** A membership that ended stops the acting too (the server would answer 404 anyway). */
    keepActingValid(enterprises) {
      const acting = session.actingFor()
      if (acting && acting.kind === session.ENTERPRISE && !enterprises.some((e) => e.id === acting.id)) {
        session.actFor(null)
      }
    },

    onName(event) {
      this.setData({ name: event.detail.value.trim(), error: '' })
    },
    onIdNumber(event) {
      this.setData({ idNumber: event.detail.value.trim().toUpperCase(), error: '' })
    },

    /** 实名认证: matched with the population records by the server (L2 on success). */
    async verify() {
      if (!this.data.name) return this.setData({ error: '请输入姓名。' })
      if (!/^[0-9]{17}[0-9X]$/.test(this.data.idNumber)) return this.setData({ error: '请输入18位居民身份证号码。' })
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        await api.post('/mp/v1/me/real-name', { name: this.data.name, idNumber: this.data.idNumber })
        this.setData({ name: '', idNumber: '' })
        wx.showToast({ title: '实名认证成功', icon: 'success' })
        await this.load()
      } catch (err) {
        this.setData({ error: err.message })
      } finally {
        this.setData({ busy: false })
      }
    },

    /** Act for the enterprise tapped: drafts, applications and licences become its own. */
    actFor(event) {
      const chosen = this.data.enterprises.find((e) => e.id === event.currentTarget.dataset.id)
      if (!chosen) return
      session.actFor({ id: chosen.id, name: chosen.name, kind: session.ENTERPRISE })
      wx.showToast({ title: '已切换到' + chosen.name, icon: 'none' })
      return this.load()
    },

    actAsMyself() {
      session.actFor(null)
      wx.showToast({ title: '已切换为个人办事', icon: 'none' })
      return this.load()
    },

    openApplications() {
      wx.navigateTo({ url: '/pages/applications/index' })
    },
    openAuthorizations() {
      wx.navigateTo({ url: '/pages/authorizations/index' })
    },
    openActingFor() {
      wx.navigateTo({ url: '/pages/acting-for/index' })
    },

    async signOut() {
      await auth.signOut()
      wx.reLaunch({ url: '/pages/sign-in/index' })
    }
  }
})
