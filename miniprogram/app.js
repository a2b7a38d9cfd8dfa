/**
 * The reference mini-program of OneThing (一件事). Pages are Component()-built so that they
 * can be tested in Node with miniprogram-simulate (miniprogram/tests); each page goes to
 * 登录 itself when the API answers 401 (utils/api.js).
 */
const auth = require('./utils/auth')

App({
  onLaunch() {
    if (!auth.isSignedIn()) wx.reLaunch({ url: '/pages/sign-in/index' })
  }
})
