/** 我的办件: my applications (or the enterprise's while acting for it), the newest first. */
const api = require('../../utils/api')
const catalog = require('../../utils/catalog')
const labels = require('../../utils/labels')
const session = require('../../utils/session')

function row(application, names) {
  return {
    id: application.id,
    number: application.number,
    name: catalog.nameOf(names, application.bundleCode),
    stateLabel: labels.applicationState(application.state),
    open: labels.isOpen(application.state),
    submittedOn: application.submittedAt.slice(0, 10)
  }
}

Component({
  data: { applications: [], acting: null, loading: true, error: '' },
  methods: {
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.setData({ acting: session.actingFor() })
      try {
        const [list, names] = await Promise.all([api.get('/mp/v1/applications'), catalog.names()])
        this.setData({ applications: list.applications.map((a) => row(a, names)), loading: false, error: '' })
      } catch (err) {
        this.setData({ acting: session.actingFor(), loading: false, error: err.message })
      }
    },
    open(event) {
      wx.navigateTo({ url: '/pages/applications/detail?id=' + event.currentTarget.dataset.id })
    }
  }
})
