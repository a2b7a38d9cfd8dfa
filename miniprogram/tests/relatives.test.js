/**
 * 我的授权 and 代亲属办 with two residents made for this file (fresh phones, real names from
 * the population stand-in): 陈静 names 刘洋 as a relative; he finds her under 代亲属办,
 * acts for her through the newborn journey to its application; she reads in 我的授权 what he
 * did, and revokes; his next page drops acting for her and says why. Each person keeps one
 * WeChat world (one SMS code for each phone, at the start: a phone gets one a minute).
 */
const test = require('node:test')
const assert = require('node:assert/strict')
const { install, openPage, fire } = require('./helpers/wx')
const { signIn, newPhone, api } = require('./helpers/server')
const { newbornThroughPages, verifyRealName } = require('./helpers/journeys')

// Records of app/demo/population.toml that no demo account and no other test file uses.
const CHEN_JING = { name: '陈静', idNumber: '350203199511203186' }
const LIU_YANG = { name: '刘洋', idNumber: '510107196209030719' }
const CHINESE = /[\u4e00-\u9fa5]/
const SCOPES = ['prepare', 'consent', 'submit', 'view_results']

const people = {}

/** A new resident on a phone of their own, signed in and real-name verified. */
async function resident(record) {
  const phone = newPhone()
  const world = install()
  await signIn(phone)
  await verifyRealName(record)
  return Object.assign({ phone, world }, record)
}

/** Take this person's phone up again: signed in, acting as they left it. */
function as(person) {
  person.world = install({ openid: person.world.openid, storage: person.world.storage })
  return person.world
}

/** Every X-Acting-For utils/api.js sent, by path, from now on. */
function recordHeaders() {
  const sent = []
  const request = wx.request
  wx.request = (options) => {
    sent.push({ path: new URL(options.url).pathname, actingFor: options.header['X-Acting-For'] })
    return request(options)
  }
  return sent
}

async function nameOnPage(page, form) {
  await fire(page, '#phone', 'input', { value: form.phone })
  await fire(page, '#name', 'input', { value: form.name })
  await fire(page, '#bundles', 'change', { value: form.bundles })
  await fire(page, '#scopes', 'change', { value: form.scopes })
  await fire(page, '#days', 'input', { value: form.days })
  await fire(page, '#name-relative')
}

test.before(async () => {
  people.principal = await resident(CHEN_JING)
  people.relative = await resident(LIU_YANG)
})

test('a relative named in 我的授权 acts for her through the pages until she revokes', async () => {
  const { principal, relative } = people

  // 陈静 opens 我的授权 from 我的 and names 刘洋 for the newborn life event.
  let world = as(principal)
  const me = await openPage('pages/me/index')
  await fire(me, '#authorizations')
  assert.deepEqual(world.shown.navigations.at(-1), { kind: 'navigateTo', url: '/pages/authorizations/index' })
  let mine = await openPage('pages/authorizations/index')
  assert.equal(mine.data.error, '')
  assert.ok(mine.data.bundles.some((b) => b.code === 'newborn' && b.label === '新生儿出生一件事'), 'services in words')
  assert.ok(mine.data.scopes.every((s) => CHINESE.test(s.label)), 'actions in words')
  await nameOnPage(mine, { phone: relative.phone, name: relative.name, bundles: ['newborn'], scopes: SCOPES, days: '30' })
  assert.equal(mine.data.error, '')
  assert.match(mine.querySelector('#message').dom.textContent, /授权/, 'the server\'s 202 message')
  const given = mine.data.authorizations.find((a) => a.agentName === '刘洋')
  assert.ok(given, 'the authorization is listed')
  assert.equal(given.stateLabel, '生效中')
  const card = mine.querySelector('#authorization-' + given.id).dom.textContent
  assert.match(card, /新生儿出生一件事/)
  assert.match(card, /提交申请/)
  for (const code of ['newborn', 'active', 'view_results', 'granted']) {
    assert.doesNotMatch(card, new RegExp(code), 'no code on the page: ' + code)
  }

  // 刘洋 finds her under 代亲属办 and acts for her: the banner, and the header where it goes.
  world = as(relative)
  const me2 = await openPage('pages/me/index')
  await fire(me2, '#acting-for')
  assert.deepEqual(world.shown.navigations.at(-1), { kind: 'navigateTo', url: '/pages/acting-for/index' })
  const acting = await openPage('pages/acting-for/index')
  const entry = acting.data.principals.find((p) => p.principalName === '陈静')
  assert.ok(entry && entry.active, 'she is listed, active')
  await fire(acting, '#act-for-' + entry.id)
  assert.deepEqual(world.storage.get('onething.actingFor'), { id: entry.principalId, name: '陈静', kind: 'person' })
  assert.equal(acting.querySelector('#acting').dom.textContent, '正在为「陈静」代办')

  const sent = recordHeaders()
  const id = await newbornThroughPages(world)
  const detail = await openPage('pages/applications/detail', { id })
  assert.equal(detail.data.error, '')
  assert.equal(detail.querySelector('#acting').dom.textContent, '正在为「陈静」代办')
  assert.match(detail.data.application.name, /新生儿出生一件事/)
  detail.instance.onUnload()
  const wallet = await openPage('pages/wallet/index')
  assert.equal(wallet.data.error, '', 'the wallet is his own, not a 404')
  assert.ok(wallet.querySelector('#own-wallet'), 'and says so')
  const headers = (prefix) => sent.filter((s) => s.path.startsWith(prefix)).map((s) => s.actingFor)
  assert.ok(headers('/mp/v1/drafts').length && headers('/mp/v1/drafts').every((h) => h === entry.principalId))
  assert.ok(headers('/mp/v1/applications').length && headers('/mp/v1/applications').every((h) => h === entry.principalId))
  assert.deepEqual([...new Set(headers('/mp/v1/licenses'))], [undefined], 'not on /licenses for a person')
  assert.equal((await api.get('/mp/v1/applications')).applications.some((a) => a.id === id), true, 'as her')

  // 陈静 reads in 我的授权 what he did, in words; then revokes, after a confirmation.
  world = as(principal)
  assert.ok((await api.get('/mp/v1/applications')).applications.some((a) => a.id === id), 'the application is hers')
  mine = await openPage('pages/authorizations/index')
  const used = mine.data.authorizations.find((a) => a.id === given.id)
  const lines = used.history.map((h) => h.text)
  assert.ok(lines.some((l) => /已使用/.test(l) && /提交了申请/.test(l)), lines.join(' | '))
  assert.match(mine.querySelector('#history-' + given.id).dom.textContent, /提交了申请/)
  assert.ok(lines.every((l) => !/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/.test(l)), 'no ids in the history: ' + lines.join(' | '))
  await fire(mine, '#revoke-' + given.id)
  assert.ok(world.shown.modals.some((m) => m.includes('撤销') && m.includes('刘洋')), 'asked to confirm first')
  assert.equal(mine.data.error, '')
  assert.equal(mine.data.authorizations.find((a) => a.id === given.id).stateLabel, '已撤销或放弃')
  assert.equal(mine.querySelector('#revoke-' + given.id), undefined)

  // 刘洋's next page: the acting is dropped, and he is told why.
  world = as(relative)
  const list = await openPage('pages/applications/index')
  assert.match(list.data.error, /「陈静」给您的代办授权已结束/)
  assert.equal(list.querySelector('#error').dom.textContent, list.data.error)
  assert.equal(world.storage.has('onething.actingFor'), false)
  assert.equal(list.querySelector('#acting'), undefined, 'no banner any more')
  const after = await openPage('pages/acting-for/index')
  const revoked = after.data.principals.find((p) => p.id === entry.id)
  assert.equal(revoked.active, false)
  assert.equal(after.querySelector('#act-for-' + entry.id), undefined)
})

test('the naming form shows what is missing, and the server\'s 422 message next to each field', async () => {
  const { principal, relative } = people
  as(principal)
  const page = await openPage('pages/authorizations/index')
  await fire(page, '#name-relative')
  assert.match(page.querySelector('#error-phone').dom.textContent, /手机号/)
  assert.match(page.querySelector('#error-name').dom.textContent, /姓名/)

  await nameOnPage(page, { phone: relative.phone, name: relative.name, bundles: [], scopes: [], days: '0' })
  for (const field of ['bundles', 'scopes', 'days']) {
    assert.match(page.querySelector('#error-' + field).dom.textContent, CHINESE, field + ' has its message')
    assert.equal(page.querySelector('#error-' + field).dom.textContent, page.data.fieldErrors[field])
  }
  assert.equal(page.querySelector('#message'), undefined, 'nothing was named')
  assert.equal(page.querySelector('#error'), undefined, 'the messages are by the fields')
})

test('scanning: a QR that is not the tablet\'s is refused on the phone, a used or unknown one by the server', async () => {
  const { principal } = people
  const world = as(principal)
  const page = await openPage('pages/authorizations/index')
  world.scanned = 'https://example.com/not-a-confirmation'
  await fire(page, '#scan')
  assert.match(page.data.error, /不是工作人员平板上的授权确认码/)
  world.scanned = 'http://127.0.0.1:8000/me/authorizations/scan/' + 'A'.repeat(43)
  await fire(page, '#scan')
  assert.equal(page.data.proposal, null)
  assert.match(page.data.error, CHINESE, 'the server\'s own words: ' + page.data.error)
})

test('asking to act: a wrong code is named next to it, she confirms on her phone, he gives it up', async () => {
  const { principal, relative } = people
  let world = as(relative)
  let page = await openPage('pages/acting-for/index')
  await fire(page, '#ask-phone', 'input', { value: principal.phone })
  await fire(page, '#ask-name', 'input', { value: principal.name })
  await fire(page, '#ask-bundles', 'change', { value: ['newborn'] })
  await fire(page, '#ask-scopes', 'change', { value: ['prepare', 'view_results'] })
  await fire(page, '#ask')
  assert.equal(page.data.error, '')
  assert.match(page.querySelector('#ask-message').dom.textContent, /确认/)
  const asked = page.data.principals.find((p) => p.waiting)
  assert.ok(asked, 'the ask waits for her')
  assert.equal(page.querySelector('#act-for-' + asked.id), undefined, 'nothing to act on yet')
  await fire(page, '#code-' + asked.id, 'input', { value: '000000' })
  await fire(page, '#confirm-code-' + asked.id)
  assert.match(page.querySelector('#code-error-' + asked.id).dom.textContent, CHINESE)

  // She confirms it in 我的授权 on her own phone.
  world = as(principal)
  const mine = await openPage('pages/authorizations/index')
  const waiting = mine.data.authorizations.find((a) => a.id === asked.id)
  assert.ok(waiting.waiting)
  await fire(mine, '#confirm-' + asked.id)
  assert.equal(mine.data.error, '')
  assert.equal(mine.data.authorizations.find((a) => a.id === asked.id).stateLabel, '生效中')

  // He sees it active, acts for her, then gives it up: the acting ends with it.
  world = as(relative)
  page = await openPage('pages/acting-for/index')
  assert.ok(page.data.principals.find((p) => p.id === asked.id).active, JSON.stringify(page.data.principals))
  await fire(page, '#act-for-' + asked.id)
  assert.equal(world.storage.get('onething.actingFor').kind, 'person')
  await fire(page, '#give-up-' + asked.id)
  assert.ok(world.shown.modals.some((m) => m.includes('放弃')))
  assert.equal(page.data.error, '')
  assert.equal(page.data.principals.find((p) => p.id === asked.id).active, false)
  assert.equal(world.storage.has('onething.actingFor'), false)
  assert.equal(page.querySelector('#acting'), undefined)
})

test('guardianship proofs: the household register, and a court\'s decision uploaded for staff', async () => {
  const { relative } = people
  as(relative)
  const page = await openPage('pages/acting-for/index')
  await fire(page, '#prove-household')
  assert.match(page.querySelector('#household-error').dom.textContent, /手机号/)
  await fire(page, '#household-phone', 'input', { value: newPhone() })
  await fire(page, '#household-name', 'input', { value: '刘小明' })
  await fire(page, '#prove-household')
  assert.equal(page.data.error, '')
  assert.match(page.querySelector('#guardian-message').dom.textContent, /户籍/)

  await fire(page, '#court-phone', 'input', { value: newPhone() })
  await fire(page, '#court-name', 'input', { value: '刘大伟' })
  await fire(page, '#prove-court')
  assert.match(page.querySelector('#document-error').dom.textContent, /法院/)
  await fire(page, '#choose-document')
  assert.ok(page.querySelector('#document-chosen'))
  await fire(page, '#prove-court')
  assert.equal(page.data.error, '')
  assert.match(page.querySelector('#guardian-message').dom.textContent, /工作人员/)
})

test('the QR\'s token is read from the URL the tablet shows, and nothing else', () => {
  const authorizations = require('../utils/authorizations')
  const token = 'abcDEF123_-'.padEnd(43, 'x')
  assert.equal(authorizations.scanToken('https://gov.example.cn/me/authorizations/scan/' + token), token)
  assert.equal(authorizations.scanToken(' http://127.0.0.1:8000/me/authorizations/scan/' + token + '/ '), token)
  assert.equal(authorizations.scanToken('https://gov.example.cn/me/authorizations/' + token), '')
  assert.equal(authorizations.scanToken('/me/authorizations/scan/../../x'), '')
  assert.equal(authorizations.scanToken(''), '')
})
