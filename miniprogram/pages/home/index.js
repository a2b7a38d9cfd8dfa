/**
 * 首页: what a resident looks for first — the life events most asked for, unread messages,
 * the applications still under way and the drafts left open (继续办理).
 */
const api = require('../../utils/api')
const catalog = require('../../utils/catalog')
const labels = require('../../utils/labels')
const session = require('../../utils/session')

// /mp/v1 has no popularity figure; the catalog lists life events in its curated order
// (their `order`, most asked-for first), so 热门 is the first few for who is acting.
const POPULAR = 4

function popular(bundles, acting) {
  const audience = acting && acting.kind === session.ENTERPRISE ? 'enterprise' : 'person'
  return bundles.filter((b) => b.audience === audience).slice(0, POPULAR)
}

Component({
  data: { me: null, acting: null, popular: [], unreadCount: 0, applications: [], drafts: [], error: '' },
  methods: {
    onShow() {
      return this.load()
    },
    async load() {
      const acting = session.actingFor()
      this.setData({ acting })
      try {
        const [me, bundles, notices, applications, drafts] = await Promise.all([
          api.get('/mp/v1/me'), api.get('/mp/v1/catalog/bundles'), api.get('/mp/v1/notices'),
          api.get('/mp/v1/applications'), api.get('/mp/v1/drafts')
        ])
        const names = await catalog.names()
        this.setData({
          me,
          popular: popular(bundles.bundles, acting),
          unreadCount: notices.unreadCount,
          applications: applications.applications.filter((a) => labels.isOpen(a.state)).map((a) => ({
            id: a.id, number: a.number, name: catalog.nameOf(names, a.bundleCode), stateLabel: labels.applicationState(a.state)
          })),
          drafts: (drafts.drafts || []).map((d) => ({ id: d.id, name: catalog.nameOf(names, d.bundleCode) })),
          error: ''
        })
        if (notices.unreadCount) wx.setTabBarBadge({ index: 3, text: String(notices.unreadCount) })
        else wx.removeTabBarBadge({ index: 3 })
      } catch (err) {
        // An acting choice the server no longer knows was dropped (utils/api.js): say so.
        this.setData({ acting: session.actingFor(), error: err.message })
      }
    },
    openServices() {
      wx.switchTab({ url: '/pages/services/index' })
    },
    openMessages() {
      wx.switchTab({ url: '/pages/messages/index' })
    },
    openApplications() {
      wx.navigateTo({ url: '/pages/applications/index' })
    },
    openApplication(event) {
      wx.navigateTo({ url: '/pages/applications/detail?id=' + event.currentTarget.dataset.id })
    },
    openDraft(event) {
      wx.navigateTo({ url: '/pages/draft/index?id=' + event.currentTarget.dataset.id })
    },
    /** Start (or resume) the draft of a popular life event, as 办事 does. */
    async start(event) {
      try {
        const draft = await api.post('/mp/v1/drafts', { bundleCode: event.currentTarget.dataset.code })
        wx.navigateTo({ url: '/pages/draft/index?id=' + draft.id })
      } catch (err) {
        this.setData({ acting: session.actingFor(), error: api.showError(err) })
      }
    }
  }
})
