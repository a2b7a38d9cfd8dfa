/**
 * QR codes for cards: the matrix from qrcode-generator (npm, vendored by `make assets`), drawn
 * module by module on a 2D canvas context (wx canvas type="2d", or any object with fillRect).
 */
const qrcode = require('../vendor/qrcode-generator/qrcode')

/** The dark/light modules of `text` (error correction M), as rows of booleans. */
function matrix(text) {
  const code = qrcode(0, 'M')
  code.addData(text)
  code.make()
  const size = code.getModuleCount()
  const rows = []
  for (let r = 0; r < size; r += 1) {
    const row = []
    for (let c = 0; c < size; c += 1) row.push(code.isDark(r, c))
    rows.push(row)
  }
  return rows
}

/** Draw the modules on `ctx` in a square of `pixels`, with a four-module quiet zone. */
function draw(ctx, rows, pixels) {
  const cell = pixels / (rows.length + 8)
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, pixels, pixels)
  ctx.fillStyle = '#000000'
  rows.forEach((row, r) => row.forEach((dark, c) => {
    if (dark) ctx.fillRect((c + 4) * cell, (r + 4) * cell, cell, cell)
  }))
}

module.exports = { matrix, draw }
