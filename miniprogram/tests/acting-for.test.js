/** X-Acting-For goes exactly on the operations whose document entry declares it. */
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { ROOT } = require('./helpers/wx')

const api = require(path.join(ROOT, 'utils', 'api'))
const CONTRACT = path.join(ROOT, '..', 'docs', 'mp-v1.openapi.json')

test('utils/api.js sends X-Acting-For on the operations that declare it, and on no other', () => {
  const document = JSON.parse(fs.readFileSync(CONTRACT, 'utf8'))
  const example = '0190f0e0-0000-7000-8000-000000000001'
  const mismatched = []
  for (const [template, operations] of Object.entries(document.paths)) {
    if (!template.startsWith('/mp/v1/')) continue
    const concrete = template.replace(/\{[^}]+\}/g, example)
    for (const [method, operation] of Object.entries(operations)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      const declared = (operation.parameters || []).some((p) => p.in === 'header' && p.name === 'X-Acting-For')
      if (declared !== api.declaresActingFor(concrete)) mismatched.push(method.toUpperCase() + ' ' + template)
    }
  }
  assert.deepEqual(mismatched, [], 'ACTING_FOR_PATHS in utils/api.js and docs/mp-v1.openapi.json differ')
})
