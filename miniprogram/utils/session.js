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

function actingFor() {
  return wx.getStorageSync(ACTING_FOR) || ''
}

/** Act for an enterprise (its id), or for oneself again (empty). */
function actFor(enterpriseId) {
  if (enterpriseId) wx.setStorageSync(ACTING_FOR, enterpriseId)
  else wx.removeStorageSync(ACTING_FOR)
}

module.exports = { tokens, keepTokens, forget, actingFor, actFor }
