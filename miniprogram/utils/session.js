/**
 * What the mini-program keeps on the phone (wx.setStorageSync): the token pair and the
 * enterprise the person acts for. Only the newest refresh token is kept (rotation).
 */
const TOKENS = 'onething.tokens'
const ACTING_FOR = 'onething.actingFor'

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

/** The enterprise the person acts for, { id, name }, or null when acting as themselves. */
function actingFor() {
  const kept = wx.getStorageSync(ACTING_FOR)
  return kept && kept.id ? kept : null
}

/** Act for an enterprise ({ id, name } from GET /mp/v1/enterprises), or for oneself (null). */
function actFor(enterprise) {
  if (enterprise && enterprise.id) wx.setStorageSync(ACTING_FOR, { id: enterprise.id, name: enterprise.name })
  else wx.removeStorageSync(ACTING_FOR)
}

module.exports = { tokens, keepTokens, forget, actingFor, actFor }
