/**
 * 办理: one draft of a life event, step by step as the server allows (its `stage`):
 * questions → the one notice (一次告知) → consent to read records → the merged form with the
 * source of each filled value → materials (camera or album, uploaded one file at a time) →
 * review → submit once (Idempotency-Key kept until the server has answered) → 办件详情.
 */
const api = require('../../utils/api')
const session = require('../../utils/session')
const steps = require('./steps')

Component({
  data: {
    id: '', stage: '', steps: steps.STEPS, bundle: null, questions: [], answers: {},
    notice: null, consent: null, form: null, values: {}, fieldErrors: {}, materials: [], review: null,
    delivery: '', commitment: false, application: null, acting: null, busy: false, error: ''
  },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id, acting: session.actingFor() })
      return this.refresh()
    },

    path(suffix) {
      return '/mp/v1/drafts/' + this.data.id + (suffix || '')
    },

    /** Load the draft and what its current step shows. */
    async refresh() {
      await this.guard(async () => {
        const draft = await api.get(this.path())
        if (!this.data.bundle) this.setData({ bundle: await api.get('/mp/v1/catalog/bundles/' + draft.bundleCode) })
        this.setData({ stage: draft.stage, answers: draft.answers })
        this.setData({ questions: steps.visibleQuestions(this.data.bundle.questions, draft.answers) })
        await this.loadStep(draft.stage)
      })
    },

    async loadStep(stage) {
      if (stage === 'notice') this.setData({ notice: await api.get(this.path('/notice')) })
      if (stage === 'consent') this.setData({ consent: await api.get(this.path('/consent')) })
      if (stage === 'form') {
        const form = await api.get(this.path('/form'))
        this.setData({ form: steps.decorateForm(form), values: steps.valuesOf(form) })
      }
      if (stage === 'materials') this.setData({ materials: (await api.get(this.path('/materials'))).materials })
      if (stage === 'review') {
        const review = await api.get(this.path('/review'))
        this.setData({ review, delivery: this.data.delivery || review.deliveries[0] || '' })
      }
    },

    async guard(work) {
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        await work()
      } catch (err) {
        this.setData({ acting: session.actingFor(), error: api.showError(err) })
      } finally {
        this.setData({ busy: false })
      }
    },

    onAnswer(event) {
      const key = event.currentTarget.dataset.key
      const chosen = [].concat(event.detail.value)
      const answers = Object.assign({}, this.data.answers, { [key]: chosen })
      this.setData({ answers, questions: steps.visibleQuestions(this.data.bundle.questions, answers) })
    },

    async saveAnswers() {
      const answers = steps.shownAnswers(this.data.bundle.questions, this.data.answers)
      await this.guard(() => api.put(this.path('/answers'), { answers }))
      if (!this.data.error) await this.refresh()
    },

    async acknowledge() {
      await this.guard(() => api.post(this.path('/notice/acknowledge')))
      if (!this.data.error) await this.refresh()
    },

    async answerConsent(event) {
      const agree = event.currentTarget.dataset.agree === 'yes'
      await this.guard(() => api.post(this.path('/consent'), { agree }))
      if (!this.data.error) await this.refresh()
    },

    /** A field typed, picked or chosen: input, date picker and radio group all send detail.value. */
    onValue(event) {
      const { key, kind } = event.currentTarget.dataset
      const fieldErrors = Object.assign({}, this.data.fieldErrors, { [key]: '' })
      this.setData({ fieldErrors, values: Object.assign({}, this.data.values, { [key]: steps.normalized(kind, event.detail.value) }) })
    },

    /** Save what was filled in; each 422 message shows under its field. */
    async saveForm() {
      const values = steps.typedValues(this.data.form, this.data.values)
      let refused = null
      await this.guard(async () => {
        try {
          await api.patch(this.path('/values'), { values, complete: true })
        } catch (err) {
          refused = err
          throw err
        }
      })
      this.setData({ fieldErrors: api.fieldMessages(refused) })
      if (!this.data.error) await this.refresh()
    },

    /** Photograph (or pick) one file for one material and upload it. */
    async addFile(event) {
      const code = event.currentTarget.dataset.code
      await this.guard(async () => {
        const chosen = await new Promise((resolve, reject) => wx.chooseMedia({
          count: 1, mediaType: ['image'], sourceType: ['camera', 'album'], sizeType: ['compressed'],
          success: resolve, fail: () => reject(new api.ApiError(0, { detail: '未选择照片。' }))
        }))
        await api.upload({ path: this.path('/materials/' + code), filePath: chosen.tempFiles[0].tempFilePath })
        wx.showToast({ title: '已上传', icon: 'success' })
        await this.loadStep('materials')
      })
    },

    async finishMaterials() {
      await this.guard(() => api.post(this.path('/review')))
      if (!this.data.error) await this.refresh()
    },

    onDelivery(event) {
      this.setData({ delivery: event.detail.value })
    },

    onCommitment(event) {
      this.setData({ commitment: event.detail.value.length > 0 })
    },

    /** Submit once: the key is kept until the server answers, so a retry cannot submit twice. */
    async submit() {
      const key = steps.submissionKey(this.data.id)
      const body = { draftId: this.data.id, delivery: this.data.delivery, commitment: this.data.commitment, channel: 'wechat' }
      await this.guard(async () => {
        const application = await api.post('/mp/v1/applications', body, { 'Idempotency-Key': key })
        steps.forgetSubmissionKey(this.data.id)
        this.setData({ application, stage: 'submitted' })
        wx.showToast({ title: '已提交', icon: 'success' })
        // From here on the application is followed on its own page (live progress).
        wx.redirectTo({ url: '/pages/applications/detail?id=' + application.id })
      })
    }
  }
})
