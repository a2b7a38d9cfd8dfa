/**
 * Names from the catalog for pages that get only codes (an application's bundleCode, a
 * sub-case's matterCode). Read once per launch: the catalog changes with a release, not
 * while a person looks at their applications.
 */
const api = require('./api')

let bundleNames = null
const bundles = {}

/** bundle code -> its name, for every life event. */
async function names() {
  if (!bundleNames) {
    const list = await api.get('/mp/v1/catalog/bundles')
    bundleNames = {}
    for (const b of list.bundles) bundleNames[b.code] = b.name
  }
  return bundleNames
}

/** One life event with its matters (code, name, department). */
async function bundle(code) {
  if (!bundles[code]) bundles[code] = await api.get('/mp/v1/catalog/bundles/' + code)
  return bundles[code]
}

/** The name of a bundle, or a plain word when the catalog no longer has it. */
function nameOf(table, code) {
  return table[code] || '办件'
}

module.exports = { names, bundle, nameOf }
