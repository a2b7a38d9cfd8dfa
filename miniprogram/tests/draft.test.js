/**
 * 办理 → 办件详情 → 证照: the newborn life event from questions to a submitted application on
 * the draft page, then followed on the application's page while the departments decide
 * (through the Python test's hooks), to the licence in the wallet and the rating.
 */
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { ROOT, install, openPage, fire, settled } = require('./helpers/wx')
const { signIn, newPhone, demoOpenid, department, NO_HOOKS, api } = require('./helpers/server')
const { newbornThroughPages, verifyRealName, valueFor, fill } = require('./helpers/journeys')

const clock = require(path.join(ROOT, 'utils', 'clock'))

const WANG_FANG = { phone: '13800138002', name: '王芳', idNumber: '44030519780215256X' } // demo records

/** 王芳 (real name verified), through the draft page up to submit; answers the application id. */
async function wangFangsNewborn(world) {
  await signIn(WANG_FANG.phone)
  await verifyRealName(WANG_FANG)
  return newbornThroughPages(world)
}

/** Capture the detail page's polling (clock.later) so a test fires it when it chooses. */
function capturePolls(t) {
  const polls = []
  polls.cancelled = []
  t.mock.method(clock, 'later', (fn, ms) => { polls.push({ fn, ms }); return polls.length })
  t.mock.method(clock, 'cancel', (handle) => { polls.cancelled.push(handle) })
  return polls
}

async function nextPoll(polls, seen) {
  assert.ok(polls.length > seen, 'the page polls while the application is open')
  polls[polls.length - 1].fn()
  await settled()
  return polls.length
}

test('the newborn journey lands on its application, which follows the departments live, to the licence in the wallet', { skip: NO_HOOKS }, async (t) => {
  const world = install({ openid: demoOpenid(WANG_FANG.phone) })
  const id = await wangFangsNewborn(world)
  assert.ok(world.shown.toasts.includes('已上传'), 'photos were taken')
  const mine = await api.get('/mp/v1/applications')
  assert.equal(mine.applications.filter((a) => a.id === id).length, 1)

  // 首页: it is under way, with the popular life events and the unread count.
  const home = await openPage('pages/home/index')
  assert.equal(home.data.error, '')
  assert.ok(home.querySelector('#open-' + id), 'the application is listed as 办理中')
  assert.ok(home.data.popular.some((b) => b.code === 'newborn'), 'newborn is among 热门一件事')
  assert.equal(home.data.unreadCount, (await api.get('/mp/v1/notices')).unreadCount)

  // 我的办件 lists it in words, and opens it.
  const list = await openPage('pages/applications/index')
  const row = list.querySelector('#application-' + id)
  assert.match(row.dom.textContent, /新生儿出生一件事/)
  assert.match(row.dom.textContent, /办理中/)

  // 办件详情: each department's item, named; polled while shown.
  const polls = capturePolls(t)
  const page = await openPage('pages/applications/detail', { id })
  assert.equal(page.data.error, '')
  assert.equal(page.data.application.stateLabel, '办理中')
  assert.ok(page.querySelector('#live'), 'says it updates itself')
  const items = page.data.application.subCases
  assert.ok(items.length >= 3)
  assert.ok(items.every((c) => /[\u4e00-\u9fa5]/.test(c.name) && /[\u4e00-\u9fa5]/.test(c.stateLabel)), 'names and states in words')
  const first = items.find((c) => c.matterCode === 'birth-medical-certificate')
  assert.equal(first.stateLabel, '审核中')
  assert.ok(first.dueOn, 'a running item shows its deadline')
  assert.ok(items.some((c) => c.stateLabel === '等待前序事项'), 'items that depend on others wait')
  assert.equal(page.querySelector('#withdraw'), undefined, 'an accepted application cannot be withdrawn')
  assert.equal(polls.length, 1)
  assert.equal(polls[0].ms, 10000)

  // The departments approve everything; the next poll shows it without any tap.
  assert.equal((await department('/approve', { applicationId: id })).state, 'finished')
  await nextPoll(polls, 0)
  assert.equal(page.data.application.stateLabel, '已办结')
  assert.ok(page.data.application.subCases.every((c) => c.stateLabel === '已通过'))
  assert.equal(polls.length, 1, 'a finished application is not polled any more')

  // 好差评.
  assert.ok(page.querySelector('#rate-form'))
  await fire(page, '#stars', 'change', { value: '5' })
  await fire(page, '#tags', 'change', { value: [page.data.rating.tags[0].code] })
  await fire(page, '#rate')
  assert.equal(page.data.error, '')
  assert.equal(page.data.rating.given.stars, 5)
  assert.ok(page.querySelector('#rated'))
  page.instance.onUnload()

  // 证照: the birth medical certificate is in the wallet.
  const wallet = await openPage('pages/wallet/index')
  const licence = wallet.data.licenses.find((l) => l.licenseType === 'birth-medical-certificate')
  assert.ok(licence, 'the new licence is in the wallet')
  assert.match(wallet.dom.textContent, new RegExp(licence.title))

  // 消息: the news is there; opening it goes to the application.
  const inbox = await openPage('pages/messages/index')
  const index = inbox.data.notices.findIndex((n) => n.applicationId === id)
  assert.ok(index >= 0, 'a notice about the application')
  world.shown.navigations.length = 0
  await fire(inbox, '#notice-' + index)
  assert.deepEqual(world.shown.navigations, [{ kind: 'navigateTo', url: '/pages/applications/detail?id=' + id }])
  assert.equal((await api.get('/mp/v1/notices')).notices[index].read, true)
})

test('a department asking for more shows on the page, which adds the photo and sends the supplement', { skip: NO_HOOKS }, async (t) => {
  const world = install({ openid: demoOpenid(WANG_FANG.phone) })
  const id = await wangFangsNewborn(world)
  const polls = capturePolls(t)
  const page = await openPage('pages/applications/detail', { id })
  const asked = await department('/ask-supplement', { applicationId: id, reasons: '出生医学证明照片不清晰，请重新拍摄。' })

  await nextPoll(polls, 0)
  const item = page.data.application.subCases.find((c) => c.matterCode === asked.matterCode)
  assert.equal(item.stateLabel, '待补充材料')
  assert.match(page.querySelector('#item-' + asked.matterCode).dom.textContent, /出生医学证明照片不清晰/)
  assert.ok(page.data.wanted.length > 0, 'the files it asks for are offered')
  const wanted = page.data.wanted.find((w) => w.matterCodes.includes(asked.matterCode))
  assert.doesNotMatch(wanted.label, new RegExp(wanted.code), 'a material is shown in words, not by its code')

  await fire(page, '#add-' + wanted.code)
  assert.equal(page.data.error, '')
  assert.ok(world.shown.toasts.includes('已上传'))
  const files = await api.get('/mp/v1/applications/' + id + '/materials')
  assert.ok(files.uploads.some((u) => u.materialCode === wanted.code && u.contentType.startsWith('image/')))

  await fire(page, '#note-' + asked.matterCode, 'input', { value: '已重新拍摄' })
  await fire(page, '#supplement-' + asked.matterCode)
  assert.equal(page.data.error, '')
  assert.equal(page.data.application.subCases.find((c) => c.matterCode === asked.matterCode).stateLabel, '审核中')
  // Hidden (another page on top, or the app in the background): polling stops.
  page.instance.onHide()
  assert.deepEqual(polls.cancelled.slice(-1), [polls.length], 'the pending poll is cancelled')
})

test('a step taken out of order is refused with the server\'s Chinese message', async () => {
  install()
  await signIn(newPhone())
  const draft = await api.post('/mp/v1/drafts', { bundleCode: 'newborn' })
  const page = await openPage('pages/draft/index', { id: draft.id })
  await fire(page, '#save-answers') // nothing answered yet
  assert.equal(page.data.stage, 'questions')
  assert.match(page.data.error, /[\u4e00-\u9fa5]/)
})

/**
 * 企业开办 by 王芳 with staff, the staff list promised for later (容缺): it waits at the
 * window (submitted), which is when it may be withdrawn or returned. Answers its id.
 */
async function startupWithPromise(world) {
  await signIn(WANG_FANG.phone)
  const draft = await api.post('/mp/v1/drafts', { bundleCode: 'business-startup' })
  const page = await openPage('pages/draft/index', { id: draft.id })
  await fire(page, '#q-employees', 'change', { value: 'yes' })
  await fire(page, '#q-invoices', 'change', { value: 'no' })
  const born = new Date(Date.now() - 3 * 86400000).toISOString().slice(0, 10)
  const next = {
    questions: '#save-answers', notice: '#acknowledge', consent: '#agree', materials: '#materials-done'
  }
  for (let step = 0; step < 8 && page.data.stage !== 'review'; step += 1) {
    const stage = page.data.stage
    if (stage === 'form') {
      const fields = page.data.form.groups.flatMap((g) => g.fields)
      for (const field of fields.filter((f) => !f.readOnly && !f.value)) {
        await fill(page, field, valueFor(field, born))
      }
      await fire(page, '#save-form')
    } else {
      if (stage === 'materials') {
        for (const need of page.data.materials.filter((m) => m.required && !m.proven && !m.mayDefer)) {
          await fire(page, '#add-' + need.code)
        }
      }
      await fire(page, next[stage])
    }
    assert.equal(page.data.error, '', 'at ' + stage)
  }
  assert.equal(page.data.stage, 'review')
  assert.ok(page.data.review.commitmentNeeded, 'the staff list may follow on commitment')
  await fire(page, '#delivery', 'change', { value: page.data.review.deliveries[0] })
  await fire(page, '#commitment', 'change', { value: ['yes'] })
  await fire(page, '#submit')
  assert.equal(page.data.error, '')
  return page.data.application.id
}

test('an application waiting at the window may be withdrawn from its page', { skip: NO_HOOKS }, async (t) => {
  const world = install({ openid: demoOpenid(WANG_FANG.phone) })
  const id = await startupWithPromise(world)
  const polls = capturePolls(t)
  const page = await openPage('pages/applications/detail', { id })
  assert.equal(page.data.application.stateLabel, '已提交，待受理')
  assert.equal(page.querySelector('#resubmit'), undefined)
  await fire(page, '#withdraw')
  assert.equal(page.data.error, '')
  assert.ok(world.shown.modals.some((m) => m.includes('撤回')), 'asked to confirm first')
  assert.equal(page.data.application.stateLabel, '已撤回')
  assert.equal(page.querySelector('#withdraw'), undefined)
  assert.equal((await api.get('/mp/v1/applications/' + id)).state, 'withdrawn')
  const after = polls.length
  assert.equal(after, 1, 'only the first load polled: a withdrawn application is not followed')
})

test('a returned application shows why, takes the missing file and is sent again', { skip: NO_HOOKS }, async (t) => {
  const world = install({ openid: demoOpenid(WANG_FANG.phone) })
  const id = await startupWithPromise(world)
  const polls = capturePolls(t)
  const page = await openPage('pages/applications/detail', { id })
  await department('/return', { applicationId: id, reasons: '请补充职工名册及劳动合同。' })

  await nextPoll(polls, 0)
  assert.equal(page.data.application.stateLabel, '退回补正')
  assert.match(page.querySelector('#returned').dom.textContent, /请补充职工名册及劳动合同/)
  const staffList = page.data.wanted.find((w) => w.code === 'staff-list')
  assert.ok(staffList, 'the promised material may be added now')
  await fire(page, '#add-staff-list')
  assert.equal(page.data.error, '')
  await fire(page, '#resubmit')
  assert.equal(page.data.error, '')
  assert.equal(page.data.application.stateLabel, '办理中', 'nothing is missing any more: accepted at once')
  assert.ok(page.data.application.subCases.length > 0)
  page.instance.onUnload()
})
