/**
 * Signing in as a WeChat mini-program: wx.login → /auth/wechat → tokens, or a binding ticket
 * that an SMS code for the person's phone turns into tokens.
 */
const api = require('./api')
const config = require('../config')
const session = require('./session')

const PHONE = /^1[3-9][0-9]{9}$/

/** The development switch (config.devLogin): the local WeChat stand-in gives the code. */
async function standInLogin() {
  const data = config.devOpenid ? { openid: config.devOpenid } : {}
  const answer = await api.request({ method: 'POST', path: '/dev/wechat/login', data, auth: false })
  return answer.code
}

function wxLogin() {
  if (config.devLogin) return standInLogin()
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => resolve(res.code),
      fail: () => reject(new api.ApiError(0, { detail: '微信登录失败，请稍后再试。' }))
    })
  })
}

function signedIn(result) {
  if (result.status === 'signed_in') session.keepTokens(result.tokens)
  return result
}

/** { status: 'signed_in' } with the tokens kept, or { status: 'binding_required', bindingTicket }. */
async function signInWithWeChat() {
  const code = await wxLogin()
  return signedIn(await api.request({
    method: 'POST', path: '/mp/v1/auth/wechat', data: { code }, auth: false
  }))
}

function sendCode(phone) {
  return api.request({ method: 'POST', path: '/mp/v1/auth/sms-codes', data: { phone }, auth: false })
}

async function bind(bindingTicket, phone, code) {
  return signedIn(await api.request({
    method: 'POST', path: '/mp/v1/auth/bind', data: { bindingTicket, phone, code }, auth: false
  }))
}

async function signOut() {
  const pair = session.tokens()
  session.forget()
  if (pair) {
    await api.request({
      method: 'POST', path: '/mp/v1/auth/sign-out', data: { refreshToken: pair.refreshToken }, auth: false
    }).catch(() => null) // signed out on this phone either way
  }
}

function isSignedIn() {
  return Boolean(session.tokens())
}

module.exports = { PHONE, signInWithWeChat, sendCode, bind, signOut, isSignedIn }
