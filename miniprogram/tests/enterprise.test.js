/**
 * 企业注销一件事 through the pages, acting for an enterprise (issue 16's done-when, as the
 * newborn journey runs for a person): a resident made for this file (a fresh phone, 阿依古丽·
 * 买买提's record in the population stand-in) is added by 明湖's legal representative as its
 * agent (经办人; through the hooks: the mini-program has no members page), switches to 明湖
 * on 我的, starts 企业注销 from 办事 and goes through every step of the draft page to
 * 办件详情, which says it acts for 明湖; the departments approve every item, the page's next
 * poll shows 已办结, and the results are in 明湖's 证照 — not in her own wallet.
 */
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { ROOT, install, openPage, fire, settled } = require('./helpers/wx')
const { signIn, newPhone, department, NO_HOOKS, api } = require('./helpers/server')
const { verifyRealName, fill } = require('./helpers/journeys')

const clock = require(path.join(ROOT, 'utils', 'clock'))

// A record of app/demo/population.toml that no demo account and no other test file uses.
const AYGUL = { name: '阿依古丽·买买提', idNumber: '330106198812310044' }
// 明湖 owes no tax and has no open invoices (app/demo/records/enterprises.toml): it may close.
const MINGHU = { creditCode: '91310104MA1FR8N2XY', name: '明湖示例餐饮有限公司' }
const BANNER = '正在代表「' + MINGHU.name + '」办理'
const ANSWERS = { procedure: 'simplified', social_insurance: 'no', housing_fund: 'no', customs: 'no' }
const CODES = /market-regulation|taxation|public-security|enterprise-registry|simplified|resolution/

/** The fields of the merged form, by key. */
function fieldsOf(page) {
  return Object.fromEntries(page.data.form.groups.flatMap((g) => g.fields).map((f) => [f.key, f]))
}

/** 明湖's agent, signed in with her real name verified, acting for 明湖 (chosen on 我的). */
async function agentActingForMinghu(world) {
  const phone = newPhone()
  await signIn(phone)
  await verifyRealName(AYGUL)
  await department('/add-agent', { creditCode: MINGHU.creditCode, phone })

  const me = await openPage('pages/me/index')
  const row = me.querySelector('#enterprise-' + MINGHU.creditCode)
  assert.ok(row, '明湖 is among her enterprises')
  assert.match(row.dom.textContent, /经办人/)
  await fire(me, '#enterprise-' + MINGHU.creditCode)
  assert.equal(world.storage.get('onething.actingFor').name, MINGHU.name)
  assert.equal(me.querySelector('#acting').dom.textContent, BANNER)
  return me
}

/** 企业注销 on the draft page, from its questions to submit; answers the application's id. */
async function deregistrationThroughPages(world, page) {
  assert.equal(page.data.stage, 'questions')
  assert.equal(page.data.bundle.name, '企业注销一件事')
  assert.equal(page.querySelector('#acting').dom.textContent, BANNER)
  for (const [key, value] of Object.entries(ANSWERS)) await fire(page, '#q-' + key, 'change', { value })
  await fire(page, '#save-answers')
  assert.equal(page.data.error, '')

  // The one notice: every matter with its department and result in words.
  assert.equal(page.data.stage, 'notice')
  const notice = page.querySelector('#notice').dom.textContent
  assert.match(notice, /清税/)
  assert.match(notice, /国家税务总局市税务局/)
  assert.match(notice, /市市场监督管理局/)
  assert.doesNotMatch(notice, CODES)
  await fire(page, '#acknowledge')

  // Consent: what the registry and the tax office will be asked, in words.
  assert.equal(page.data.stage, 'consent')
  const consent = page.querySelector('#consent').dom.textContent
  assert.match(consent, /市场主体登记信息/)
  assert.doesNotMatch(consent, CODES)
  await fire(page, '#agree')
  assert.equal(page.data.error, '')

  // The merged form: the enterprise's facts from the registry, each with its source.
  assert.equal(page.data.stage, 'form')
  const fields = fieldsOf(page)
  const code = fields['enterprise.credit_code']
  assert.equal(code.control, 'read-only')
  assert.equal(page.querySelector('#' + code.domId).dom.textContent, MINGHU.creditCode)
  assert.equal(fields['enterprise.name'].shownValue, MINGHU.name)
  assert.equal(fields['enterprise.name'].sourceText, '来自市市场监督管理局·市场主体登记信息（2026-11-02）')
  assert.match(fields['enterprise.tax_office'].sourceText, /^来自国家税务总局市税务局·/)
  assert.equal(fields['agent.name'].value, AYGUL.name, 'the agent is the one signed in')
  const form = page.querySelector('#form').dom.textContent
  assert.match(form, /股东会\(股东\)决议解散/, 'a choice shows its options by label')
  const yesNo = page.querySelector('#' + fields['deregistration.investors_commit'].domId).dom.textContent
  assert.match(yesNo, /是/)
  assert.match(yesNo, /否/)
  assert.doesNotMatch(form, CODES)
  assert.doesNotMatch(form, new RegExp(AYGUL.idNumber), 'her ID number is shown masked')

  // What no record holds is chosen or typed; a wrong phone is named under its field.
  const reason = fields['deregistration.reason']
  assert.equal(reason.control, 'choice')
  await fill(page, reason, reason.choices[0].value)
  await fill(page, fields['deregistration.investors_commit'], 'yes')
  await fill(page, fields['deregistration.staff_settled'], 'yes')
  await fill(page, fields['contact.delivery'], 'window')
  await fill(page, fields['agent.phone'], '12345')
  await fire(page, '#save-form')
  assert.equal(page.data.stage, 'form')
  assert.match(page.data.fieldErrors['agent.phone'], /[\u4e00-\u9fa5]/)
  assert.ok(page.querySelector('#error-' + fields['agent.phone'].domId), 'the message is under the phone field')
  await fill(page, fields['agent.phone'], newPhone())
  assert.equal(page.data.fieldErrors['agent.phone'], '')
  await fire(page, '#save-form')
  assert.equal(page.data.error, '')

  // Materials: what no record or licence proves is photographed (wx.uploadFile).
  assert.equal(page.data.stage, 'materials')
  const needed = page.data.materials.filter((m) => m.required && !m.proven).map((m) => m.code)
  assert.ok(needed.length > 0)
  for (const need of needed) {
    await fire(page, '#add-' + need)
    assert.equal(page.data.error, '')
  }
  assert.ok(page.data.materials.filter((m) => needed.includes(m.code)).every((m) => m.uploads.length > 0))
  assert.ok(world.shown.toasts.includes('已上传'))
  await fire(page, '#materials-done')

  // Review, then submit once.
  assert.equal(page.data.stage, 'review')
  assert.equal(page.querySelector('#acting').dom.textContent, BANNER)
  await fire(page, '#delivery', 'change', { value: 'electronic' })
  await fire(page, '#submit')
  assert.equal(page.data.error, '')
  assert.equal(page.data.stage, 'submitted')
  const id = page.data.application.id
  assert.deepEqual(world.shown.navigations.at(-1), { kind: 'redirectTo', url: '/pages/applications/detail?id=' + id })
  return id
}

test('an agent of 明湖 closes it through the pages acting for it, to its licences in its 证照', { skip: NO_HOOKS }, async (t) => {
  const world = install()
  const me = await agentActingForMinghu(world)

  // 首页's 热门 are 明湖's kind of life events; 办事 lists 企业注销 as an enterprise's, and starts it.
  const home = await openPage('pages/home/index')
  assert.equal(home.querySelector('#acting').dom.textContent, BANNER)
  assert.ok(home.data.popular.length && home.data.popular.every((b) => b.audience === 'enterprise'))
  const services = await openPage('pages/services/index')
  assert.equal(services.querySelector('#acting').dom.textContent, BANNER)
  assert.match(services.querySelector('#bundle-enterprise-deregistration').dom.textContent, /企业注销一件事[\s\S]*企业办事/)
  await fire(services, '#bundle-enterprise-deregistration')
  assert.equal(services.data.error, '')
  const draftId = world.shown.navigations.at(-1).url.split('id=')[1]
  assert.equal((await api.get('/mp/v1/drafts/' + draftId)).bundleCode, 'enterprise-deregistration')

  const id = await deregistrationThroughPages(world, await openPage('pages/draft/index', { id: draftId }))

  // 办件详情, acting for 明湖; it follows the departments by polling.
  const polls = []
  t.mock.method(clock, 'later', (fn, ms) => { polls.push({ fn, ms }); return polls.length })
  t.mock.method(clock, 'cancel', () => null)
  const page = await openPage('pages/applications/detail', { id })
  assert.equal(page.data.error, '')
  assert.equal(page.querySelector('#acting').dom.textContent, BANNER)
  assert.equal(page.data.application.name, '企业注销一件事')
  assert.equal(page.data.application.stateLabel, '办理中')
  assert.ok(page.data.application.subCases.some((c) => c.name === '清税' || /清税/.test(c.name)))
  assert.equal(polls.length, 1)

  assert.equal((await department('/approve', { applicationId: id })).state, 'finished')
  polls[0].fn()
  await settled()
  assert.equal(page.data.application.stateLabel, '已办结')
  assert.match(page.querySelector('#state').dom.textContent, /已办结/)
  assert.ok(page.data.application.subCases.every((c) => c.stateLabel === '已通过'))
  assert.equal(polls.length, 1, 'a finished application is not polled any more')
  page.instance.onUnload()

  // 证照 while acting for 明湖: its results, among them the deregistration notice.
  const issued = (await api.get('/mp/v1/applications/' + id + '/history')).results
    .filter((r) => r.licenseId).map((r) => r.licenseId)
  assert.ok(issued.length >= 2, 'each item issued its result')
  const wallet = await openPage('pages/wallet/index')
  assert.equal(wallet.querySelector('#acting').dom.textContent, BANNER)
  const shown = wallet.data.licenses.filter((l) => issued.includes(l.id))
  assert.equal(shown.length, issued.length, 'every result is in 明湖\'s wallet')
  const notice = shown.find((l) => l.licenseType === 'deregistration-notice')
  assert.ok(notice, 'the deregistration notice is among them')
  assert.match(notice.title, /准予注销登记通知书/)
  assert.match(wallet.dom.textContent, new RegExp(notice.title))

  // Back to herself on 我的: her own wallet has none of them.
  await fire(me, '#act-as-myself')
  assert.equal(world.storage.has('onething.actingFor'), false)
  const own = await openPage('pages/wallet/index')
  assert.equal(own.querySelector('#acting'), undefined)
  assert.equal(own.data.error, '')
  assert.deepEqual(own.data.licenses.filter((l) => issued.includes(l.id)), [])
  assert.doesNotMatch(own.dom.textContent, new RegExp(notice.title))
  // Nor are 明湖's applications her own.
  const mine = await openPage('pages/applications/index')
  assert.equal(mine.querySelector('#application-' + id), undefined)
})
