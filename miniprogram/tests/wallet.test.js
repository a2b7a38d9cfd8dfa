/** 证照: the wallet lists the demo licenses; a license's QR card verifies and renews itself. */
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { ROOT, BASE_URL, install, openPage, fire, settled } = require('./helpers/wx')
const { signIn } = require('./helpers/server')

const clock = require(path.join(ROOT, 'utils', 'clock'))
const qr = require(path.join(ROOT, 'utils', 'qr'))

async function verify(token) {
  const answer = await fetch(BASE_URL + '/verify', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token })
  })
  return answer.json()
}

test('证照 lists the wallet, and a license\'s card verifies and renews itself before it expires', async (t) => {
  const world = install()
  await signIn('13800138000') // the demo resident with a household register and a social security card
  const wallet = await openPage('pages/wallet/index')
  assert.ok(wallet.data.licenses.length >= 2)
  assert.match(wallet.querySelector('#license-0').dom.textContent, /[\u4e00-\u9fa5]/)
  await fire(wallet, '#license-0')
  const id = world.shown.navigations[0].url.split('id=')[1]

  const scheduled = []
  t.mock.method(clock, 'later', (fn, ms) => { scheduled.push({ fn, ms }); return scheduled.length })
  t.mock.method(clock, 'cancel', () => null)
  const page = await openPage('pages/license/index', { id })
  const first = page.data.card
  assert.ok(first, page.data.error)
  const checked = await verify(first.token)
  assert.equal(checked.result, 'authentic')
  assert.deepEqual(checked.disclosed.map((d) => d.field), page.data.chosen)

  // Renewal is due before expiry, and firing it shows a new card.
  assert.equal(scheduled.length, 1)
  assert.ok(scheduled[0].ms < first.expiresAt * 1000 - Date.now(), 'renewed before it expires')
  scheduled[0].fn()
  await settled()
  assert.notEqual(page.data.card.token, first.token)
  assert.equal((await verify(page.data.card.token)).result, 'authentic')
  assert.equal(scheduled.length, 2, 'and the next renewal is scheduled')
  page.instance.onUnload()
})

test('the card\'s QR is drawn module by module from the card\'s link', () => {
  const text = BASE_URL + '/v/example-token'
  const rows = qr.matrix(text)
  const drawn = []
  const ctx = { fillRect: (x, y, w, h) => drawn.push([x, y, w, h]), set fillStyle(v) { this.style = v } }
  qr.draw(ctx, rows, 240)
  const dark = rows.flat().filter(Boolean).length
  assert.equal(drawn.length, dark + 1, 'the background, then one square per dark module')
  assert.ok(rows.length >= 21 && rows.length % 4 === 1, 'a QR version\'s size')
})
