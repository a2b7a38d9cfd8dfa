/**
 * Journeys through the pages that several test files take: the newborn life event from
 * questions to submit on the draft page (a resident for themselves, or a relative for them).
 */
const assert = require('node:assert/strict')
const { openPage, fire } = require('./wx')
const { api } = require('./server')

function checkDigit(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = first17.split('').reduce((total, digit, i) => total + Number(digit) * weights[i], 0)
  return '10X98765432'[sum % 11]
}

function childIdNumber(born) {
  const first17 = '430104' + born.replace(/-/g, '') + String(Math.floor(Math.random() * 1000)).padStart(3, '0')
  return first17 + checkDigit(first17)
}

/** A plausible value for an editable field of the merged form, by its kind. */
function valueFor(field, born) {
  if (field.kind === 'date') return born
  if (field.kind === 'select') return field.options[0].value
  if (field.kind === 'boolean') return 'no'
  if (field.kind === 'number' || field.kind === 'money') return '1'
  if (field.kind === 'id-number') return childIdNumber(born)
  if (field.kind === 'phone') return '13900139000'
  return field.key.includes('child') ? '张小宝' : '测试填写'
}

/** Fill one editable field of the merged form the way a person does: type, pick or choose. */
async function fill(page, field, value) {
  const typed = field.control === 'input' || field.control === 'textarea'
  await fire(page, '#' + field.domId, typed ? 'input' : 'change', { value })
}

/**
 * The newborn life event through the draft page, from its questions to submit, by whoever is
 * signed in (their real name verified) for whomever they act (utils/api.js sends
 * X-Acting-For); answers the new application's id, once the page has gone on to it.
 */
async function newbornThroughPages(world) {
  const draft = await api.post('/mp/v1/drafts', { bundleCode: 'newborn' })
  const page = await openPage('pages/draft/index', { id: draft.id })
  assert.equal(page.data.stage, 'questions')
  assert.equal(page.data.bundle.name, '新生儿出生一件事')

  for (const [key, value] of Object.entries({ birth_certificate: 'pending', household: 'local', maternity_insurance: 'no' })) {
    await fire(page, '#q-' + key, 'change', { value })
  }
  await fire(page, '#save-answers')
  assert.equal(page.data.error, '')
  assert.equal(page.data.stage, 'notice')
  assert.ok(page.querySelector('#notice'), 'the one notice is shown')
  assert.ok(page.data.notice.matters.some((m) => m.code === 'birth-medical-certificate'))

  await fire(page, '#acknowledge')
  assert.equal(page.data.stage, 'consent')
  assert.ok(page.data.consent.requests.length > 0, 'the record fields to be read are listed')

  await fire(page, '#agree')
  assert.equal(page.data.error, '')
  assert.equal(page.data.stage, 'form')
  const fields = page.data.form.groups.flatMap((g) => g.fields)
  assert.ok(fields.some((f) => f.sourceText.startsWith('来自')), 'values from records say where they came from')

  const born = new Date(Date.now() - 3 * 86400000).toISOString().slice(0, 10)
  for (const field of fields.filter((f) => !f.readOnly && !f.value)) {
    await fill(page, field, valueFor(field, born))
  }
  await fire(page, '#save-form')
  assert.equal(page.data.error, '')
  assert.equal(page.data.stage, 'materials')

  // What no record or wallet licence proves is photographed (a second newborn application
  // finds the first one's birth certificate in the wallet, and needs fewer photos).
  const needed = page.data.materials.filter((m) => m.required && !m.proven).map((m) => m.code)
  for (const code of needed) {
    await fire(page, '#add-' + code)
    assert.equal(page.data.error, '')
  }
  const uploaded = page.data.materials.filter((m) => needed.includes(m.code))
  assert.ok(uploaded.every((m) => m.uploads.length > 0 && m.uploads[0].contentType.startsWith('image/')), 'the camera photos reached the server')

  await fire(page, '#materials-done')
  assert.equal(page.data.stage, 'review')
  assert.ok(page.data.review.deliveries.includes('electronic'))
  await fire(page, '#delivery', 'change', { value: 'electronic' })

  await fire(page, '#submit')
  assert.equal(page.data.error, '')
  assert.equal(page.data.stage, 'submitted')
  assert.equal(world.storage.has('onething.submission.' + draft.id), false, 'the key is spent')
  const id = page.data.application.id
  assert.deepEqual(world.shown.navigations.at(-1), { kind: 'redirectTo', url: '/pages/applications/detail?id=' + id })
  return id
}

/** Verify the signed-in person's real name (the population stand-in holds the record). */
async function verifyRealName(person) {
  const level = await api.get('/mp/v1/me/real-name')
  if (!level.verified) await api.post('/mp/v1/me/real-name', { name: person.name, idNumber: person.idNumber })
}

module.exports = { newbornThroughPages, verifyRealName, valueFor, childIdNumber, fill }
