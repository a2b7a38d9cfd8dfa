/**
 * 办件详情: one application with each department's item — its state, clock and reasons —
 * and the applicant's steps the API offers: withdraw before acceptance, add the files asked
 * for (wx.uploadFile), say a supplement is complete, resubmit a returned application, and
 * rate the finished one (好差评). Progress refreshes itself while the page is shown.
 */
const api = require('../../utils/api')
const catalog = require('../../utils/catalog')
const clock = require('../../utils/clock')
const session = require('../../utils/session')
const progress = require('./progress')

Component({
  data: {
    id: '', application: null, wanted: [], rating: null, stars: progress.STARS,
    chosenStars: 0, chosenTags: [], comment: '', note: '', acting: null, busy: false, error: ''
  },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
    },
    onShow() {
      this.setData({ acting: session.actingFor() })
      return this.refresh()
    },
    onHide() {
      this.stopPolling()
    },
    onUnload() {
      this.stopPolling()
    },

    path(suffix) {
      return '/mp/v1/applications/' + this.data.id + (suffix || '')
    },

    /** Load the application and what it asks of the applicant; poll again while it is open. */
    async refresh() {
      this.stopPolling()
      try {
        const raw = await api.get(this.path())
        const bundle = await catalog.bundle(raw.bundleCode)
        const application = progress.decorate(raw, bundle)
        this.setData({ application, error: '' })
        await this.loadWanted(application, bundle)
        if (application.finished && !this.data.rating) await this.loadRating()
        if (application.open) this.timer = clock.later(() => this.refresh(), progress.POLL_MS)
      } catch (err) {
        this.setData({ acting: session.actingFor(), error: err.message })
      }
    },

    stopPolling() {
      if (this.timer) clock.cancel(this.timer)
      this.timer = null
    },

    async loadWanted(application, bundle) {
      const asking = application.state === 'returned' || application.deferredCount > 0 ||
        application.subCases.some((c) => c.supplement)
      const wanted = asking ? progress.wantedFiles(await api.get(this.path('/materials')), bundle) : []
      this.setData({ wanted })
    },

    async loadRating() {
      this.setData({ rating: progress.ratingView(await api.get(this.path('/rating'))) })
    },

    async act(work, done) {
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        await work()
        if (done) wx.showToast({ title: done, icon: 'success' })
      } catch (err) {
        this.setData({ error: api.showError(err) })
      } finally {
        this.setData({ busy: false })
      }
      await this.refresh()
    },

    confirm(content) {
      return new Promise((resolve) => wx.showModal({
        title: '请确认', content, success: (res) => resolve(Boolean(res.confirm)), fail: () => resolve(false)
      }))
    },

    async withdraw() {
      if (!(await this.confirm('撤回后本次申请不再办理，确定撤回吗？'))) return
      await this.act(() => api.post(this.path('/withdraw')), '已撤回')
    },

    async resubmit() {
      await this.act(() => api.post(this.path('/resubmit')), '已重新提交')
    },

    /** Photograph (or pick) one file for a material asked for, and add it. */
    async addFile(event) {
      const code = event.currentTarget.dataset.code
      await this.act(async () => {
        const chosen = await new Promise((resolve, reject) => wx.chooseMedia({
          count: 1, mediaType: ['image'], sourceType: ['camera', 'album'], sizeType: ['compressed'],
          success: resolve, fail: () => reject(new api.ApiError(0, { detail: '未选择照片。' }))
        }))
        await api.upload({ path: this.path('/materials/' + code), filePath: chosen.tempFiles[0].tempFilePath })
      }, '已上传')
    },

    onNote(event) {
      this.setData({ note: event.detail.value })
    },

    async sendSupplement(event) {
      const subCaseId = event.currentTarget.dataset.id
      await this.act(() => api.post(this.path('/sub-cases/' + subCaseId + '/supplement'), { note: this.data.note }), '已提交补充')
    },

    onStars(event) {
      this.setData({ chosenStars: Number(event.detail.value) })
    },
    onTags(event) {
      this.setData({ chosenTags: [].concat(event.detail.value) })
    },
    onComment(event) {
      this.setData({ comment: event.detail.value })
    },

    async rate() {
      const body = { stars: this.data.chosenStars, tags: this.data.chosenTags, comment: this.data.comment }
      await this.act(async () => {
        await api.post(this.path('/rating'), body)
        await this.loadRating()
      }, '感谢评价')
    }
  }
})
