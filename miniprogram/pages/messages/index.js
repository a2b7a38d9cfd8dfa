/** 消息: my notices, the newest first; opening one marks it read and goes to its application. */
const api = require('../../utils/api')

Component({
  data: { notices: [], unreadCount: 0, loading: true, error: '' },
  methods: {
    onShow() {
      return this.load()
    },
    async load() {
      try {
        const list = await api.get('/mp/v1/notices')
        this.setData({ notices: list.notices, unreadCount: list.unreadCount, loading: false, error: '' })
        if (list.unreadCount) wx.setTabBarBadge({ index: 3, text: String(list.unreadCount) })
        else wx.removeTabBarBadge({ index: 3 })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    async readAll() {
      try {
        await api.post('/mp/v1/notices/read')
        await this.load()
      } catch (err) {
        this.setData({ error: api.showError(err) })
      }
    },
    /** Mark the notice read, then open its application (a notice without one stays here). */
    async open(event) {
      const { id, application } = event.currentTarget.dataset
      try {
        await api.post('/mp/v1/notices/' + id + '/read')
        if (application) wx.navigateTo({ url: '/pages/applications/detail?id=' + application })
        else await this.load()
      } catch (err) {
        this.setData({ error: api.showError(err) })
      }
    }
  }
})
