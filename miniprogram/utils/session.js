/**
 * What the mini-program keeps on the phone (wx.setStorageSync): the token pair and whom the
 * person acts for — one choice at a time, an enterprise or a person who authorized them.
 * Only the newest refresh token is kept (rotation).
 */
const TOKENS = 'onething.tokens'
const ACTING_FOR = 'onething.actingFor'

const ENTERPRISE = 'enterprise'
const PERSON = 'person'

function tokens() {
  return wx.getStorageSync(TOKENS) || null
}

function keepTokens(pair) {
  wx.setStorageSync(TOKENS, { accessToken: pair.accessToken, refreshToken: pair.refreshToken })
}

function forget() {
  wx.removeStorageSync(TOKENS)
  wx.removeStorageSync(ACTING_FOR)
}

/** The banner every page shows while acting for someone. */
function bannerOf(kind, name) {
  return kind === PERSON ? '正在为「' + name + '」代办' : '正在代表「' + name + '」办理'
}

/**
 * Whom the person acts for, { id, name, kind, banner } (kind: 'enterprise' or 'person'),
 * or null when acting as themselves. A choice kept before persons could be chosen has no
 * kind: it was an enterprise.
 */
function actingFor() {
  const kept = wx.getStorageSync(ACTING_FOR)
  if (!kept || !kept.id) return null
  const kind = kept.kind === PERSON ? PERSON : ENTERPRISE
  return { id: kept.id, name: kept.name, kind, banner: bannerOf(kind, kept.name) }
}

/**
 * Act for an enterprise ({ id, name } from GET /mp/v1/enterprises), for a person
 * ({ id: principalId, name: principalName, kind: 'person' } from GET /mp/v1/me/acting-for),
 * or for oneself (null). The new choice replaces the old one.
 */
function actFor(choice) {
  if (choice && choice.id) {
    const kind = choice.kind === PERSON ? PERSON : ENTERPRISE
    wx.setStorageSync(ACTING_FOR, { id: choice.id, name: choice.name, kind })
  } else {
    wx.removeStorageSync(ACTING_FOR)
  }
}

module.exports = { ENTERPRISE, PERSON, tokens, keepTokens, forget, actingFor, actFor, bannerOf }
