/**
 * What a test needs from the real server beyond the pages: the newest SMS code for a phone
 * (read from the developer outbox page, as a developer would), a signed-in person, made
 * through the mini-program's own auth code (utils/auth.js), and what a department does
 * (approve, ask for more), through the hooks the Python test serves (hooks.py).
 */
const crypto = require('node:crypto')
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

/**
 * The one WeChat user of a demo phone in these tests: the first test binds it (one SMS code),
 * the later ones sign in at once — a phone gets one code a minute, so tests that share a demo
 * person share its WeChat user, and live in one file (files may run in parallel).
 */
function demoOpenid(phone) {
  // A digest, not the number: an openid is stored in clear, a phone number never is.
  return 'o-demo-' + crypto.createHash('sha256').update(phone).digest('hex').slice(0, 20)
}

const HOOKS_URL = process.env.ONETHING_MP_TEST_HOOKS_URL || ''
const NO_HOOKS = HOOKS_URL ? false : 'needs the departments\' test hooks (ONETHING_MP_TEST_HOOKS_URL, set by make test)'

/** A department's step: department('/approve', { applicationId }). */
async function department(route, body) {
  const answer = await fetch(HOOKS_URL + route, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
  })
  const data = await answer.json()
  if (!answer.ok) throw new Error('department hook ' + route + ' failed: ' + data.error)
  return data
}

/** A new mainland mobile number nobody has (137…). */
function newPhone() {
  return '137' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0')
}

module.exports = { latestCode, signIn, newPhone, masked, demoOpenid, department, NO_HOOKS, api }
