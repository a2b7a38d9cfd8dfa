/** 登录: a new WeChat account binds with an SMS code; a bound one signs in at once. */
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { ROOT, install, openPage, fire } = require('./helpers/wx')
const { latestCode, newPhone, api } = require('./helpers/server')

test('a new WeChat account proves its phone by SMS, is bound and lands on 首页', async () => {
  const world = install()
  const phone = newPhone()
  const page = await openPage('pages/sign-in/index')
  assert.equal(page.data.stage, 'bind')
  assert.ok(page.querySelector('#bind-form'), 'the binding form is shown')

  await fire(page, '#phone', 'input', { value: phone })
  await fire(page, '#send-code')
  assert.equal(page.data.error, '')
  assert.deepEqual(world.shown.toasts, ['验证码已发送'])
  await fire(page, '#code', 'input', { value: await latestCode(phone) })
  await fire(page, '#bind')

  assert.equal(page.data.error, '')
  assert.deepEqual(world.shown.navigations, [{ kind: 'switchTab', url: '/pages/home/index' }])
  const me = await api.get('/mp/v1/me') // with the tokens the page kept
  assert.equal(me.maskedPhone, phone.slice(0, 3) + '****' + phone.slice(-4))

  // The next wx.login of the same WeChat account signs in without a code.
  world.shown.navigations.length = 0
  const again = await openPage('pages/sign-in/index')
  assert.equal(again.data.stage, 'done')
  assert.deepEqual(world.shown.navigations, [{ kind: 'switchTab', url: '/pages/home/index' }])
})

test('a wrong SMS code is refused with the server\'s Chinese message and may be retried', async () => {
  install()
  const phone = newPhone()
  const page = await openPage('pages/sign-in/index')
  await fire(page, '#phone', 'input', { value: phone })
  await fire(page, '#send-code')
  const code = await latestCode(phone)
  const wrong = String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0')
  await fire(page, '#code', 'input', { value: wrong })
  await fire(page, '#bind')

  assert.equal(page.data.stage, 'bind')
  assert.match(page.data.error, /[\u4e00-\u9fa5]/, 'the localized detail is shown')
  assert.equal(page.querySelector('#error').dom.textContent, page.data.error)

  await fire(page, '#code', 'input', { value: code })
  await fire(page, '#bind')
  assert.equal(page.data.stage, 'done')
})

test('a phone number that is not 11 digits is caught before anything is sent', async () => {
  const world = install()
  const page = await openPage('pages/sign-in/index')
  await fire(page, '#phone', 'input', { value: '12345' })
  await fire(page, '#send-code')
  assert.equal(page.data.error, '请输入11位手机号码。')
  assert.deepEqual(world.shown.toasts, [])
})

test('with config.devLogin (WeChat DevTools against make run) the code comes from the local stand-in', async (t) => {
  const world = install()
  const config = require(path.join(ROOT, 'config'))
  // DevTools' own wx.login answers a code from WeChat, which the local stand-in refuses.
  wx.login = (options) => options.success({ code: 'devtools-code-' + world.openid, errMsg: 'login:ok' })
  const refused = await openPage('pages/sign-in/index')
  assert.equal(refused.data.stage, 'failed')
  assert.match(refused.data.error, /[\u4e00-\u9fa5]/)

  t.after(() => Object.assign(config, { devLogin: false, devOpenid: '' }))
  Object.assign(config, { devLogin: true, devOpenid: world.openid })
  const page = await openPage('pages/sign-in/index')
  assert.equal(page.data.error, '')
  assert.equal(page.data.stage, 'bind', 'the stand-in\'s code was exchanged: a new account binds its phone')
})
