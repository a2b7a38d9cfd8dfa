/** 办事: the catalog's life events, and choosing one starts its draft. */
const test = require('node:test')
const assert = require('node:assert/strict')
const { install, openPage, fire } = require('./helpers/wx')
const { signIn, newPhone, api } = require('./helpers/server')

test('办事 lists the catalog\'s life events in Chinese and starts a draft of the one chosen', async () => {
  const world = install()
  await signIn(newPhone())
  const page = await openPage('pages/services/index')

  const catalog = await api.get('/mp/v1/catalog/bundles')
  assert.equal(page.data.bundles.length, catalog.bundles.length)
  const newborn = page.querySelector('#bundle-newborn')
  assert.ok(newborn, 'the newborn life event is listed')
  assert.match(newborn.dom.textContent, /新生儿出生一件事/)

  await fire(page, '#bundle-newborn')
  assert.equal(page.data.error, '')
  const [opened] = world.shown.navigations
  assert.equal(opened.kind, 'navigateTo')
  const id = opened.url.split('id=')[1]
  const draft = await api.get('/mp/v1/drafts/' + id)
  assert.equal(draft.bundleCode, 'newborn')
  assert.equal(draft.stage, 'questions')
})

test('an expired access token is refreshed once and the page still loads', async () => {
  const world = install()
  await signIn(newPhone())
  const kept = world.storage.get('onething.tokens')
  world.storage.set('onething.tokens', { accessToken: 'expired', refreshToken: kept.refreshToken })

  await fire(await openPage('pages/home/index'), '#to-services')
  assert.notEqual(world.storage.get('onething.tokens').refreshToken, kept.refreshToken, 'rotated')
  assert.deepEqual(world.shown.navigations, [{ kind: 'switchTab', url: '/pages/services/index' }])
})

test('a sign-in that is over sends the person back to 登录', async () => {
  const world = install()
  world.storage.set('onething.tokens', { accessToken: 'expired', refreshToken: 'spent' })
  const page = await openPage('pages/home/index')
  assert.deepEqual(world.shown.navigations, [{ kind: 'reLaunch', url: '/pages/sign-in/index' }])
  assert.equal(world.storage.has('onething.tokens'), false)
  assert.match(page.data.error, /[\u4e00-\u9fa5]/)
})
