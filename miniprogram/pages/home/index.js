/** 首页: who is signed in, and the drafts left open (继续办理). */
const api = require('../../utils/api')

Component({
  data: { me: null, drafts: [], error: '' },
  methods: {
    onShow() {
      return this.load()
    },
    async load() {
      try {
        const [me, drafts] = await Promise.all([api.get('/mp/v1/me'), api.get('/mp/v1/drafts')])
        this.setData({ me, drafts: drafts.drafts || [], error: '' })
      } catch (err) {
        this.setData({ error: err.message })
      }
    },
    openServices() {
      wx.switchTab({ url: '/pages/services/index' })
    },
    openDraft(event) {
      wx.navigateTo({ url: '/pages/draft/index?id=' + event.currentTarget.dataset.id })
    }
  }
})
