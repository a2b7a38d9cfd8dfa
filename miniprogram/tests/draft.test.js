/** 办理: the newborn life event from questions to a submitted application, on the draft page. */
const test = require('node:test')
const assert = require('node:assert/strict')
const { install, openPage, fire } = require('./helpers/wx')
const { signIn, newPhone, api } = require('./helpers/server')

const WANG_FANG = { phone: '13800138002', name: '王芳', idNumber: '44030519780215256X' } // demo records

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

test('the newborn journey runs on the draft page from questions to one submitted application', async () => {
  const world = install()
  await signIn(WANG_FANG.phone)
  const level = await api.get('/mp/v1/me/real-name')
  if (level.level !== 'L2' && !level.maskedIdNumber) {
    await api.post('/mp/v1/me/real-name', { name: WANG_FANG.name, idNumber: WANG_FANG.idNumber })
  }
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
    await fire(page, '#' + field.domId, 'input', { value: valueFor(field, born) })
  }
  await fire(page, '#save-form')
  assert.equal(page.data.error, '')
  assert.equal(page.data.stage, 'materials')

  for (const need of page.data.materials.filter((m) => m.required && !m.proven)) {
    await fire(page, '#add-' + need.code)
    assert.equal(page.data.error, '')
  }
  const uploaded = page.data.materials.filter((m) => m.uploads.length > 0)
  assert.ok(uploaded.length > 0, 'the camera photo reached the server')
  assert.ok(uploaded.every((m) => m.uploads[0].contentType.startsWith('image/')))

  await fire(page, '#materials-done')
  assert.equal(page.data.stage, 'review')
  assert.ok(page.data.review.deliveries.includes('electronic'))
  await fire(page, '#delivery', 'change', { value: 'electronic' })

  await fire(page, '#submit')
  assert.equal(page.data.error, '')
  assert.equal(page.data.stage, 'submitted')
  assert.equal(world.storage.has('onething.submission.' + draft.id), false, 'the key is spent')
  const mine = await api.get('/mp/v1/applications')
  const list = mine.applications || mine.items || []
  assert.equal(list.filter((a) => a.id === page.data.application.id).length, 1)
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
