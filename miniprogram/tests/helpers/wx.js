/**
 * The WeChat runtime a page needs, bridged to the real server the test started:
 * wx.request / wx.uploadFile → fetch, wx.login → the local WeChat stand-in (/dev/wechat/login),
 * storage → a Map, wx.chooseMedia → a fixture image, and the UI calls (toast, modal,
 * navigation) recorded so a test can read what the person was shown.
 *
 * Pages are built with Component() (WeChat's "使用 Component 构造器构造页面"), so
 * miniprogram-simulate renders them like any component; a test calls onLoad as WeChat would.
 */
const path = require('node:path')
const fs = require('node:fs')
const crypto = require('node:crypto')
const { JSDOM } = require('jsdom')

const ROOT = path.resolve(__dirname, '..', '..')
const BASE_URL = process.env.ONETHING_MP_BASE_URL
if (!BASE_URL) throw new Error('ONETHING_MP_BASE_URL is not set: run these tests through make test')

const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>')
global.window = dom.window
global.document = dom.window.document
// j-component makes its DOM events with the global constructors: they must be jsdom's
// (Node's own Event and CustomEvent would be refused by jsdom's dispatchEvent).
for (const name of ['Node', 'Element', 'HTMLElement', 'Event', 'CustomEvent', 'TouchEvent']) {
  global[name] = dom.window[name]
}
const simulate = require('miniprogram-simulate')
require(path.join(ROOT, 'config')).baseUrl = BASE_URL

const pending = new Set()
function track(promise) {
  pending.add(promise)
  promise.finally(() => pending.delete(promise)).catch(() => null)
  return promise
}

function callbacks(options, promise) {
  return track(promise.then((res) => {
    if (options.success) options.success(res)
    return res
  }, (err) => {
    if (options.fail) options.fail({ errMsg: String(err && err.message) })
  }).finally(() => options.complete && options.complete()))
}

function withQuery(url, method, data) {
  if (method !== 'GET' || !data) return url
  const query = new URLSearchParams(data).toString()
  return query ? url + (url.includes('?') ? '&' : '?') + query : url
}

async function answer(response) {
  const text = await response.text()
  let data = text
  try { data = JSON.parse(text) } catch (e) { /* not JSON: kept as text, as WeChat does */ }
  return { statusCode: response.status, data, header: Object.fromEntries(response.headers) }
}

function request(options) {
  const method = (options.method || 'GET').toUpperCase()
  const init = { method, headers: Object.assign({}, options.header) }
  if (method !== 'GET' && options.data !== undefined) {
    init.body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data)
  }
  const sent = fetch(withQuery(options.url, method, options.data), init).then(answer)
  return callbacks(options, sent)
}

function uploadFile(options) {
  const form = new FormData()
  for (const [key, value] of Object.entries(options.formData || {})) form.append(key, value)
  const bytes = fs.readFileSync(options.filePath)
  const type = options.filePath.endsWith('.png') ? 'image/png' : 'image/jpeg'
  form.append(options.name, new Blob([bytes], { type }), path.basename(options.filePath))
  const sent = fetch(options.url, { method: 'POST', headers: options.header, body: form })
    .then(async (response) => {
      const res = await answer(response)
      return { statusCode: res.statusCode, data: typeof res.data === 'string' ? res.data : JSON.stringify(res.data) }
    })
  return callbacks(options, sent)
}

const FIXTURE_PHOTO = path.join(__dirname, '..', 'fixtures', 'photo.jpg')

/**
 * A fresh WeChat world: its own storage, openid and record of what was shown. Two people in
 * one test each keep their world (their phone): install({ openid, storage }) takes a person's
 * phone up again, signed in and acting as they left it. world.scanned is what wx.scanCode reads.
 */
function install({ openid, storage = new Map() } = {}) {
  const shown = { toasts: [], modals: [], navigations: [], loading: 0 }
  const world = {
    storage, shown, scanned: '', openid: openid || 'o-' + crypto.randomUUID().replace(/-/g, '').slice(0, 20)
  }
  const navigate = (kind) => (options) => {
    shown.navigations.push({ kind, url: options.url })
    if (options.success) options.success({})
  }
  global.wx = {
    request,
    uploadFile,
    login(options) {
      const asked = fetch(BASE_URL + '/dev/wechat/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ openid: world.openid })
      }).then(answer).then((res) => ({ code: res.data.code, errMsg: 'login:ok' }))
      return callbacks(options, asked)
    },
    getStorageSync: (key) => (storage.has(key) ? structuredClone(storage.get(key)) : ''),
    setStorageSync: (key, value) => storage.set(key, structuredClone(value)),
    removeStorageSync: (key) => storage.delete(key),
    chooseMedia(options) {
      const chosen = { type: 'image', tempFiles: [{ tempFilePath: FIXTURE_PHOTO, size: fs.statSync(FIXTURE_PHOTO).size, fileType: 'image' }] }
      return callbacks(options, Promise.resolve(chosen))
    },
    scanCode(options) {
      return callbacks(options, Promise.resolve({ result: world.scanned, scanType: 'QR_CODE', errMsg: 'scanCode:ok' }))
    },
    showToast: (options) => shown.toasts.push(options.title),
    showModal(options) {
      shown.modals.push(options.content)
      if (options.success) options.success({ confirm: true, cancel: false })
    },
    showLoading: () => { shown.loading += 1 },
    hideLoading: () => { shown.loading -= 1 },
    navigateTo: navigate('navigateTo'),
    redirectTo: navigate('redirectTo'),
    switchTab: navigate('switchTab'),
    reLaunch: navigate('reLaunch'),
    navigateBack: navigate('navigateBack'),
    stopPullDownRefresh: () => null,
    setNavigationBarTitle: () => null,
    setTabBarBadge: (options) => { shown.badge = options.text },
    removeTabBarBadge: () => { shown.badge = '' }
  }
  return world
}

/** Wait until every bridged call has answered and the page has handled it. */
async function settled() {
  for (let round = 0; round < 200; round += 1) {
    await new Promise((resolve) => setImmediate(resolve))
    if (pending.size === 0) {
      await new Promise((resolve) => setImmediate(resolve))
      if (pending.size === 0) return
    } else {
      await Promise.allSettled([...pending])
    }
  }
  throw new Error('the page kept calling the server')
}

/** Render a page (path like 'pages/services/index') and call its onLoad with the query. */
async function openPage(page, query = {}) {
  const id = simulate.load(path.join(ROOT, page), { compiler: 'simulate', rootPath: ROOT })
  const rendered = simulate.render(id)
  rendered.attach(document.createElement('parent-wrapper'))
  if (rendered.instance.onLoad) rendered.instance.onLoad(query)
  if (rendered.instance.onShow) rendered.instance.onShow()
  await settled()
  return rendered
}

/** Fire an event on the element matching selector (tap, input with detail.value, change …). */
async function fire(rendered, selector, type = 'tap', detail = {}) {
  const element = rendered.querySelector(selector)
  if (!element) throw new Error('no element ' + selector + ' on the page')
  element.dispatchEvent(type, { detail })
  await settled()
}

module.exports = { BASE_URL, ROOT, simulate, install, settled, openPage, fire }
