/**
 * 亮证: one license and its QR card. The card shows only the chosen fields, is signed by the
 * server for a short time (expiresAt) and is asked for again before it lapses, for as long as
 * the page is open.
 */
const api = require('../../utils/api')
const qr = require('../../utils/qr')
const clock = require('../../utils/clock')

const RENEW_BEFORE_MS = 10000 // ask early enough that the code on screen never lapses
const QR_PIXELS = 240

Component({
  data: { id: '', license: null, chosen: [], card: null, secondsLeft: 0, error: '' },
  methods: {
    async onLoad(query) {
      this.setData({ id: query.id })
      try {
        const license = await api.get('/mp/v1/licenses/' + query.id)
        this.setData({ license, chosen: license.fields.length ? [license.fields[0].key] : [] })
        await this.renew()
      } catch (err) {
        this.setData({ error: err.message })
      }
    },

    onUnload() {
      if (this.timer) clock.cancel(this.timer)
      this.timer = null
    },

    onChoose(event) {
      this.setData({ chosen: event.detail.value })
      return this.renew()
    },

    /** A new card, drawn, and the next renewal scheduled before it expires. */
    async renew() {
      if (this.timer) clock.cancel(this.timer)
      try {
        const card = await api.post('/mp/v1/licenses/' + this.data.id + '/cards', { fields: this.data.chosen })
        this.setData({ card, error: '' })
        await this.drawCard(card.url)
        const wait = Math.max(1000, card.expiresAt * 1000 - clock.now() - RENEW_BEFORE_MS)
        this.timer = clock.later(() => this.renew(), wait)
      } catch (err) {
        this.setData({ card: null, error: err.message })
      }
    },

    drawCard(text) {
      const rows = qr.matrix(text)
      return new Promise((resolve) => {
        this.createSelectorQuery().select('#card-qr').fields({ node: true, size: true }).exec((found) => {
          const canvas = found && found[0] && found[0].node
          if (canvas) {
            const ratio = wx.getWindowInfo ? wx.getWindowInfo().pixelRatio : 2
            canvas.width = QR_PIXELS * ratio
            canvas.height = QR_PIXELS * ratio
            const ctx = canvas.getContext('2d')
            ctx.scale(ratio, ratio)
            qr.draw(ctx, rows, QR_PIXELS)
          }
          resolve(rows)
        })
      })
    }
  }
})
