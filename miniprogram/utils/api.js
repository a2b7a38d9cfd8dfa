/**
 * The one way pages talk to /mp/v1: base URL from config.js, the bearer token, one refresh
 * on 401, X-Acting-For while acting for an enterprise or a person (on the operations that
 * declare it and that the choice covers), the acting choice dropped once the server no longer
 * knows it, and problem details turned into an ApiError whose message is the server's
 * localized `detail`.
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
// A relative's authorization or a guardianship covers applications, not the principal's
// wallet: /licenses answers 404 for a principal, so the wallet stays the person's own.
const PRINCIPAL_PATHS = /^\/mp\/v1\/(drafts|applications)(\/|\?|$)/

function declaresActingFor(path) {
  return ACTING_FOR_PATHS.test(path)
}

/** Whether this request carries X-Acting-For for this choice (see session.actingFor). */
function sendsActingFor(path, acting) {
  if (!acting) return false
  return (acting.kind === session.PERSON ? PRINCIPAL_PATHS : ACTING_FOR_PATHS).test(path || '')
}

function headers(extra, auth, path) {
  const header = Object.assign({ 'Accept-Language': config.locale }, extra)
  const pair = session.tokens()
  if (auth && pair) header.Authorization = 'Bearer ' + pair.accessToken
  const acting = session.actingFor()
  if (auth && sendsActingFor(path, acting)) header['X-Acting-For'] = acting.id
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

/** Whether the server still lets the person act for this choice (a failed check keeps it). */
async function stillActing(acting) {
  try {
    if (acting.kind === session.PERSON) {
      const list = await get('/mp/v1/me/acting-for')
      return list.principals.some((p) => p.principalId === acting.id && p.authorization.active)
    }
    const list = await get('/mp/v1/enterprises')
    return list.enterprises.some((e) => e.id === acting.id)
  } catch (err) {
    return true
  }
}

function actingEnded(acting) {
  const detail = acting.kind === session.PERSON
    ? '「' + acting.name + '」给您的代办授权已结束（已撤销、到期或已放弃），已切换为本人办理。'
    : '您已不能代表「' + acting.name + '」办理（已不是该企业的成员），已切换为个人办事。'
  return new ApiError(404, { detail, code: 'acting_ended' })
}

/**
 * A 404 to a request sent for someone may mean the choice itself ended (an authorization
 * revoked, a membership over: the server answers as for a missing object). Ask once which:
 * if it ended, forget the choice and say so; else it was the object, as the server said.
 */
async function notFound(res, actingSent) {
  if (actingSent && !(await stillActing(actingSent))) {
    const kept = session.actingFor()
    if (kept && kept.id === actingSent.id) session.actFor(null)
    return actingEnded(actingSent)
  }
  return new ApiError(res.statusCode, res.data)
}

/** Send, refresh once on 401, and answer the body or throw an ApiError. */
async function call(send, auth, actingSent) {
  let res = await send()
  if (res.statusCode === 401 && auth && (await refresh())) res = await send()
  if (res.statusCode === 401 && auth && session.tokens()) {
    // The sign-in is over (expired, revoked, or its refresh token reused): sign in again,
    // once, however many requests were under way.
    session.forget()
    wx.reLaunch({ url: SIGN_IN_PAGE })
  }
  if (res.statusCode === 404) throw await notFound(res, actingSent)
  if (res.statusCode >= 400) throw new ApiError(res.statusCode, res.data)
  return res.data
}

/** The acting choice a request to this path carries, or null. */
function actingSentTo(path, auth) {
  const acting = session.actingFor()
  return auth && sendsActingFor(path, acting) ? acting : null
}

/** One JSON request: request({ method, path, data, header, auth }). */
function request(options) {
  const auth = options.auth !== false
  return call(() => wxRequest({
    url: config.baseUrl + options.path,
    method: options.method || 'GET',
    data: options.data,
    header: headers(Object.assign({ 'Content-Type': 'application/json' }, options.header), auth, options.path)
  }), auth, actingSentTo(options.path, auth))
}

/** One file to a multipart operation: upload({ path, filePath, name }). */
function upload(options) {
  return call(() => wxUpload({
    url: config.baseUrl + options.path,
    filePath: options.filePath,
    name: options.name || 'file',
    formData: options.formData || {},
    header: headers({}, true, options.path)
  }), true, actingSentTo(options.path, true))
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

/**
 * The `errors` of a 422 (or 400) as { field: message }, for showing each message next to
 * its field; {} when the problem names no field.
 */
function fieldMessages(err) {
  const listed = (err && err.problem && err.problem.errors) || []
  const messages = {}
  for (const item of listed) {
    if (item && item.field) messages[item.field] = messages[item.field] ? messages[item.field] + ' ' + item.message : item.message
  }
  return messages
}

module.exports = {
  ApiError, request, upload, refresh, showError, declaresActingFor, sendsActingFor, fieldMessages,
  get, post, put, patch
}
