/**
 * What a test needs from the real server beyond the pages: the newest SMS code for a phone
 * (read from the developer outbox page, as a developer would) and a signed-in person, made
 * through the mini-program's own auth code (utils/auth.js).
 */
const path = require('node:path')
const { BASE_URL, ROOT } = require('./wx')

const auth = require(path.join(ROOT, 'utils', 'auth'))
const api = require(path.join(ROOT, 'utils', 'api'))

function masked(phone) {
  return phone.slice(0, 3) + '****' + phone.slice(-4)
}

/** The newest code the developer outbox holds for this phone (shown masked there). */
async function latestCode(phone) {
  const page = await (await fetch(BASE_URL + '/dev/sms-outbox', { headers: { Accept: 'text/html' } })).text()
  const rows = page.matchAll(/<span>([^<]+)<\/span><strong class="code">(\d+)<\/strong>/g)
  for (const [, shownPhone, code] of rows) {
    if (shownPhone === masked(phone)) return code
  }
  throw new Error('no code in the developer outbox for ' + masked(phone))
}

/** A fresh WeChat account bound to this phone: wx.login, binding, SMS code, bind. */
async function signIn(phone) {
  const first = await auth.signInWithWeChat()
  if (first.status === 'signed_in') return
  await auth.sendCode(phone)
  await auth.bind(first.bindingTicket, phone, await latestCode(phone))
}

/** A new mainland mobile number nobody has (137…). */
function newPhone() {
  return '137' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0')
}

module.exports = { latestCode, signIn, newPhone, masked, api }
