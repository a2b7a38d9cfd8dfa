/** 办事: every life event (一件事) of the catalog; choosing one starts (or resumes) its draft. */
const api = require('../../utils/api')
const session = require('../../utils/session')

Component({
  data: { acting: null, bundles: [], loading: true, error: '' },
  methods: {
    onLoad() {
      return this.load()
    },
    onShow() {
      // The tab stays loaded; who the person acts for may have changed on 我的 meanwhile.
      this.setData({ acting: session.actingFor() })
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      try {
        const list = await api.get('/mp/v1/catalog/bundles')
        this.setData({ bundles: list.bundles, loading: false, error: '' })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    async start(event) {
      const code = event.currentTarget.dataset.code
      try {
        const draft = await api.post('/mp/v1/drafts', { bundleCode: code })
        wx.navigateTo({ url: '/pages/draft/index?id=' + draft.id })
      } catch (err) {
        this.setData({ acting: session.actingFor(), error: api.showError(err) })
      }
    }
  }
})
