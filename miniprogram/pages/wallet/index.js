/**
 * 证照: my e-licenses (or the enterprise's while acting for it). Acting for a person changes
 * nothing here: their authorization covers applications, not their wallet (utils/api.js
 * does not send X-Acting-For to /licenses for a person), so the page says whose cards these are.
 */
const api = require('../../utils/api')
const session = require('../../utils/session')

Component({
  data: { acting: null, licenses: [], loading: true, error: '' },
  methods: {
    onShow() {
      return this.load()
    },
    async load() {
      this.setData({ acting: session.actingFor() })
      try {
        const list = await api.get('/mp/v1/licenses')
        this.setData({ licenses: list.licenses, loading: false, error: '' })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    open(event) {
      wx.navigateTo({ url: '/pages/license/index?id=' + event.currentTarget.dataset.id })
    }
  }
})
