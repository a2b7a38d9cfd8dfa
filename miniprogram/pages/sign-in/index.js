/**
 * 登录: wx.login and the server decide; a WeChat account not yet bound proves the phone with
 * an SMS code once (the binding ticket lasts ten minutes), then lands on 首页.
 */
const auth = require('../../utils/auth')

const HOME = '/pages/home/index'

Component({
  data: { stage: 'signing', phone: '', code: '', ticket: '', codeSent: false, busy: false, error: '' },
  methods: {
    onLoad() {
      return this.start()
    },

    async start() {
      this.setData({ stage: 'signing', error: '' })
      try {
        const result = await auth.signInWithWeChat()
        if (result.status === 'signed_in') return this.done()
        this.setData({ stage: 'bind', ticket: result.bindingTicket })
      } catch (err) {
        this.setData({ stage: 'failed', error: err.message })
      }
    },

    onPhoneInput(event) {
      this.setData({ phone: event.detail.value.trim(), error: '' })
    },

    onCodeInput(event) {
      this.setData({ code: event.detail.value.trim(), error: '' })
    },

    async sendCode() {
      if (!auth.PHONE.test(this.data.phone)) return this.setData({ error: '请输入11位手机号码。' })
      await this.busy(async () => {
        await auth.sendCode(this.data.phone)
        this.setData({ codeSent: true })
        wx.showToast({ title: '验证码已发送', icon: 'none' })
      })
    },

    async bind() {
      if (!auth.PHONE.test(this.data.phone)) return this.setData({ error: '请输入11位手机号码。' })
      if (!/^[0-9]{4,8}$/.test(this.data.code)) return this.setData({ error: '请输入短信验证码。' })
      await this.busy(async () => {
        await auth.bind(this.data.ticket, this.data.phone, this.data.code)
        this.done()
      })
    },

    async busy(work) {
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        await work()
      } catch (err) {
        this.setData({ error: err.message })
      } finally {
        this.setData({ busy: false })
      }
    },

    done() {
      this.setData({ stage: 'done' })
      wx.switchTab({ url: HOME })
    }
  }
})
