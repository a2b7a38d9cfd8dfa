/**
 * Authorizations as the pages show them (我的授权 and 代亲属办): every word comes from the
 * API's `label` fields, never a code; and the form that names a relative or asks to act
 * for someone (phone, real name, services, actions, days).
 */
const PHONE = /^1[3-9][0-9]{9}$/
const DEFAULT_DAYS = '30'
// The states an authorization can still be ended from (the others are over already).
const ENDABLE = ['active', 'waiting', 'checking']
// What the tablet's confirmation QR holds: {public base}/me/authorizations/scan/<token>
// (app/routes/field/confirm.py, scan_url); the token is base64url.
const SCAN_URL = /\/me\/authorizations\/scan\/([A-Za-z0-9_-]{16,100})\/?(?:[?#].*)?$/

function shortTime(iso) {
  return String(iso || '').slice(0, 16).replace('T', ' ')
}

function words(labelled) {
  return (labelled || []).map((l) => l.label).join('、')
}

/** One history line in words: what happened, how, when, and how many times. */
function historyLine(entry) {
  const parts = [entry.kind.label]
  if (entry.note) parts.push(entry.note)
  let when = shortTime(entry.at)
  if (entry.times > 1) when += ' 至 ' + shortTime(entry.until) + '，共 ' + entry.times + ' 次'
  return { text: parts.join('：'), when }
}

/** An AuthorizationBody for a page: words only, with what may be done with it. */
function describe(authorization) {
  const state = authorization.state
  return {
    id: authorization.id,
    stateCode: state.code,
    stateLabel: state.label,
    active: authorization.active,
    waiting: state.code === 'waiting',
    endable: ENDABLE.indexOf(state.code) >= 0,
    bundlesText: words(authorization.bundles),
    scopesText: words(authorization.scopes),
    basisLabel: authorization.basis ? authorization.basis.label : '',
    period: authorization.validFrom.slice(0, 10) + ' 至 ' + authorization.validUntil.slice(0, 10)
  }
}

/** An authorization I gave (GivenBody), with its agent and its history lines. */
function given(entry) {
  return Object.assign(describe(entry.authorization), {
    agentName: entry.agentName,
    history: entry.history.map((h, i) => Object.assign(historyLine(h), { key: i }))
  })
}

/** An authorization naming me (PrincipalBody), with the person I would act for. */
function principal(entry, acting) {
  return Object.assign(describe(entry.authorization), {
    principalId: entry.principalId,
    principalName: entry.principalName,
    current: Boolean(acting && acting.id === entry.principalId)
  })
}

/** The token in a scanned QR, or '' when it is not the tablet's confirmation QR. */
function scanToken(scanned) {
  const found = SCAN_URL.exec(String(scanned || '').trim())
  return found ? found[1] : ''
}

function emptyForm() {
  return { phone: '', name: '', bundles: [], scopes: [], days: DEFAULT_DAYS }
}

/** Checkbox options ({ code, label, checked }) from the API's labelled list. */
function options(labelled, chosen) {
  return (labelled || []).map((l) => ({ code: l.code, label: l.label, checked: chosen.indexOf(l.code) >= 0 }))
}

/**
 * What the form can tell before anything is sent ({ field: message }); the server checks
 * the rest (and 422 names each wrong field).
 */
function localProblems(form) {
  const problems = {}
  if (!PHONE.test(form.phone)) problems.phone = '请输入11位手机号码。'
  if (!form.name) problems.name = '请输入对方的真实姓名（与实名认证一致）。'
  return problems
}

/** The request body of POST …/relatives and …/acting-for/ask. */
function body(form) {
  const days = Number(form.days)
  return {
    phone: form.phone, name: form.name, bundles: form.bundles, scopes: form.scopes,
    days: Number.isInteger(days) ? days : 0
  }
}

module.exports = { given, principal, describe, scanToken, emptyForm, options, localProblems, body, PHONE }
