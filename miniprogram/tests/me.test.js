/**
 * 我的 with 李娜 (a demo person: administrator of 鹭江, legal representative of 城东): her real
 * name, her enterprises and the switch to act for one (X-Acting-For on the operations that
 * declare it, a banner on the pages), signing out; and 消息. One file: the demo person's one
 * WeChat user is bound once (a phone gets one SMS code a minute).
 */
const test = require('node:test')
const assert = require('node:assert/strict')
const { install, openPage, fire } = require('./helpers/wx')
const { signIn, newPhone, demoOpenid, api } = require('./helpers/server')

const LI_NA = { phone: '13800138001', name: '李娜', idNumber: '110105199007071236' } // demo records
const LUJIANG = '91310115MA1K4D7Q50' // 鹭江示例科技有限公司

/** Every header utils/api.js sent, by path, from now on. */
function recordHeaders() {
  const sent = []
  const request = wx.request
  wx.request = (options) => {
    sent.push({ path: new URL(options.url).pathname, header: options.header })
    return request(options)
  }
  return sent
}

test('李娜 verifies her real name on 我的 and sees her enterprises with her role in each', async () => {
  install({ openid: demoOpenid(LI_NA.phone) })
  await signIn(LI_NA.phone)
  const page = await openPage('pages/me/index')
  assert.equal(page.data.error, '')
  if (!page.data.verified) { // a fresh server: the demo account has only its phone verified
    assert.ok(page.querySelector('#real-name'), 'the real-name step is offered')
    await fire(page, '#name', 'input', { value: LI_NA.name })
    await fire(page, '#id-number', 'input', { value: LI_NA.idNumber.toLowerCase() })
    await fire(page, '#verify')
    assert.equal(page.data.error, '')
  }
  assert.equal(page.data.verified, true)
  assert.equal(page.querySelector('#real-name'), undefined)
  assert.match(page.querySelector('#level').dom.textContent, /已实名/)
  assert.equal(page.data.me.realName, LI_NA.name)
  assert.doesNotMatch(page.dom.textContent, new RegExp(LI_NA.idNumber), 'the ID number is shown masked')

  const lujiang = page.querySelector('#enterprise-' + LUJIANG)
  assert.match(lujiang.dom.textContent, /鹭江示例科技有限公司/)
  assert.match(lujiang.dom.textContent, /管理员/)
  assert.ok(page.data.enterprises.some((e) => e.roleLabel === '法定代表人'))
})

test('acting for an enterprise is kept, shown on the pages and sent where the API declares it, until sign-out', async () => {
  const world = install({ openid: demoOpenid(LI_NA.phone) })
  await signIn(LI_NA.phone)
  const me = await openPage('pages/me/index')
  const lujiang = me.data.enterprises.find((e) => e.creditCode === LUJIANG)
  await fire(me, '#enterprise-' + LUJIANG)
  assert.deepEqual(world.storage.get('onething.actingFor'), { id: lujiang.id, name: '鹭江示例科技有限公司', kind: 'enterprise' })
  assert.match(me.querySelector('#acting').dom.textContent, /正在代表「鹭江示例科技有限公司」办理/)
  assert.ok(me.data.enterprises.find((e) => e.creditCode === LUJIANG).current)

  const sent = recordHeaders()
  for (const page of ['pages/home/index', 'pages/services/index', 'pages/wallet/index', 'pages/applications/index']) {
    const shown = await openPage(page)
    assert.match(shown.querySelector('#acting').dom.textContent, /鹭江示例科技有限公司/, page + ' shows who is acting')
  }
  const home = await openPage('pages/home/index')
  assert.ok(home.data.popular.every((b) => b.audience === 'enterprise'), 'the enterprise\'s life events')
  const acting = (p) => sent.filter((s) => s.path.startsWith(p)).map((s) => s.header['X-Acting-For'])
  assert.ok(acting('/mp/v1/licenses').length && acting('/mp/v1/licenses').every((h) => h === lujiang.id))
  assert.ok(acting('/mp/v1/drafts').every((h) => h === lujiang.id))
  assert.ok(acting('/mp/v1/applications').every((h) => h === lujiang.id))
  assert.deepEqual([...new Set(acting('/mp/v1/me'))], [undefined], 'not on operations that do not declare it')
  assert.deepEqual([...new Set(acting('/mp/v1/notices'))], [undefined])

  // Back to herself, then act again and sign out: both the tokens and the acting are gone.
  await fire(me, '#act-as-myself')
  assert.equal(world.storage.has('onething.actingFor'), false)
  assert.equal(me.querySelector('#acting'), undefined)
  await fire(me, '#enterprise-' + LUJIANG)
  await fire(me, '#sign-out')
  assert.equal(world.storage.has('onething.actingFor'), false)
  assert.equal(world.storage.has('onething.tokens'), false)
  assert.deepEqual(world.shown.navigations.at(-1), { kind: 'reLaunch', url: '/pages/sign-in/index' })
})

test('消息 shows the inbox with its unread count on the tab', async () => {
  const world = install({ openid: demoOpenid(LI_NA.phone) })
  await signIn(LI_NA.phone)
  const page = await openPage('pages/messages/index')
  const inbox = await api.get('/mp/v1/notices')
  assert.equal(page.data.notices.length, inbox.notices.length)
  assert.equal(page.data.error, '')
  if (inbox.unreadCount) assert.equal(world.shown.badge, String(inbox.unreadCount))
  else assert.ok(page.querySelector('#empty'))
})

test('a name and number the records do not match are refused with the server\'s Chinese message', async () => {
  install()
  await signIn(newPhone())
  const page = await openPage('pages/me/index')
  assert.equal(page.data.verified, false)
  assert.equal(page.querySelector('#enterprises'), undefined, 'no enterprises, no switch')
  await fire(page, '#name', 'input', { value: '不存在' })
  await fire(page, '#id-number', 'input', { value: '12345' })
  await fire(page, '#verify')
  assert.equal(page.data.error, '请输入18位居民身份证号码。', 'caught before anything is sent')
  await fire(page, '#id-number', 'input', { value: LI_NA.idNumber })
  await fire(page, '#verify')
  assert.match(page.data.error, /[\u4e00-\u9fa5]/)
  assert.equal(page.querySelector('#error').dom.textContent, page.data.error)
  assert.equal(page.data.verified, false)
})
