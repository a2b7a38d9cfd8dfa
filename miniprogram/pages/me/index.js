/** 我的: the signed-in person (numbers masked) and signing out of this phone. */
const api = require('../../utils/api')
const auth = require('../../utils/auth')

Component({
  data: { me: null, error: '' },
  methods: {
    async onShow() {
      try {
        this.setData({ me: await api.get('/mp/v1/me'), error: '' })
      } catch (err) {
        this.setData({ error: err.message })
      }
    },
    async signOut() {
      await auth.signOut()
      wx.reLaunch({ url: '/pages/sign-in/index' })
    }
  }
})
