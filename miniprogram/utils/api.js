/**
 * The one way pages talk to /mp/v1: base URL from config.js, the bearer token, one refresh
 * on 401, X-Acting-For while acting for an enterprise (on the operations that declare it),
 * and problem details turned into an ApiError whose message is the server's localized `detail`.
 */
const config = require('../config')
const session = require('./session')

const FALLBACK = '网络不稳定，请稍后再试。'
const SIGN_IN_PAGE = '/pages/sign-in/index'

class ApiError extends Error {
  constructor(statusCode, problem) {
    super((problem && (problem.detail || problem.title)) || FALLBACK)
    this.name = 'ApiError'
    this.statusCode = statusCode
    this.problem = problem || {}
    this.code = this.problem.code || (statusCode ? 'http_' + statusCode : 'network')
  }
}

// The operations whose entry in docs/mp-v1.openapi.json declares the X-Acting-For header:
// an enterprise's drafts, applications and licences. Everything else (/me, /notices,
// /enterprises …) answers for the person, so the header is not sent there.
// tests/acting-for.test.js fails when this list and the document part ways.
const ACTING_FOR_PATHS = /^\/mp\/v1\/(drafts|applications|licenses)(\/|\?|$)/

function declaresActingFor(path) {
  return ACTING_FOR_PATHS.test(path)
}

function headers(extra, auth, path) {
  const header = Object.assign({ 'Accept-Language': config.locale }, extra)
  const pair = session.tokens()
  if (auth && pair) header.Authorization = 'Bearer ' + pair.accessToken
  const enterprise = session.actingFor()
  if (auth && enterprise && declaresActingFor(path || '')) header['X-Acting-For'] = enterprise.id
  return header
}

function wxRequest(options) {
  return new Promise((resolve, reject) => {
    wx.request(Object.assign({}, options, {
      success: resolve,
      fail: (err) => reject(new ApiError(0, { detail: FALLBACK, cause: err && err.errMsg }))
    }))
  })
}

function wxUpload(options) {
  return new Promise((resolve, reject) => {
    wx.uploadFile(Object.assign({}, options, {
      success: (res) => resolve(Object.assign({}, res, { data: parseJson(res.data) })),
      fail: (err) => reject(new ApiError(0, { detail: FALLBACK, cause: err && err.errMsg }))
    }))
  })
}

function parseJson(text) {
  if (typeof text !== 'string') return text
  try {
    return JSON.parse(text)
  } catch (e) {
    return { detail: FALLBACK }
  }
}

let refreshing = null

/** Rotate the token pair once; concurrent 401s share the one refresh. */
function refresh() {
  const pair = session.tokens()
  if (!pair) return Promise.resolve(false)
  if (!refreshing) {
    refreshing = wxRequest({
      url: config.baseUrl + '/mp/v1/auth/refresh',
      method: 'POST',
      data: { refreshToken: pair.refreshToken },
      header: headers({ 'Content-Type': 'application/json' }, false)
    }).then((res) => {
      if (res.statusCode !== 200) return false
      session.keepTokens(res.data)
      return true
    }, () => false).then((ok) => {
      refreshing = null
      return ok
    })
  }
  return refreshing
}

/** Send, refresh once on 401, and answer the body or throw an ApiError. */
async function call(send, auth) {
  let res = await send()
  if (res.statusCode === 401 && auth && (await refresh())) res = await send()
  if (res.statusCode === 401 && auth && session.tokens()) {
    // The sign-in is over (expired, revoked, or its refresh token reused): sign in again,
    // once, however many requests were under way.
    session.forget()
    wx.reLaunch({ url: SIGN_IN_PAGE })
  }
  if (res.statusCode >= 400) throw new ApiError(res.statusCode, res.data)
  return res.data
}

/** One JSON request: request({ method, path, data, header, auth }). */
function request(options) {
  const auth = options.auth !== false
  return call(() => wxRequest({
    url: config.baseUrl + options.path,
    method: options.method || 'GET',
    data: options.data,
    header: headers(Object.assign({ 'Content-Type': 'application/json' }, options.header), auth, options.path)
  }), auth)
}

/** One file to a multipart operation: upload({ path, filePath, name }). */
function upload(options) {
  return call(() => wxUpload({
    url: config.baseUrl + options.path,
    filePath: options.filePath,
    name: options.name || 'file',
    formData: options.formData || {},
    header: headers({}, true, options.path)
  }), true)
}

/** Tell the person what went wrong, in the words the server chose (zh-CN). */
function showError(err) {
  const content = (err && err.message) || FALLBACK
  wx.showModal({ title: '提示', content, showCancel: false })
  return content
}

const get = (path) => request({ path })
const post = (path, data, header) => request({ method: 'POST', path, data, header })
const put = (path, data) => request({ method: 'PUT', path, data })
const patch = (path, data) => request({ method: 'PATCH', path, data })

module.exports = { ApiError, request, upload, refresh, showError, declaresActingFor, get, post, put, patch }
