/** The pure parts of 办件详情: an application and its wanted files, in the words a person reads. */
const labels = require('../../utils/labels')

// wx.request has no EventSource (nor WebSocket to this API), so 办件详情 follows progress by
// asking again: every 10 s while the page is shown and the application is still open —
// often enough to see a department's decision within moments, rare enough for a phone.
const POLL_MS = 10000

function matterTable(bundle) {
  const table = {}
  for (const m of (bundle && bundle.matters) || []) table[m.code] = m
  return table
}

function subCase(c, matters) {
  const matter = matters[c.matterCode] || {}
  const card = c.state === 'in_review' ? labels.card(c.card) : ''
  return {
    id: c.id || c.matterCode,
    subCaseId: c.id || '',
    matterCode: c.matterCode,
    name: c.matterName || matter.name || '办理事项',
    department: c.departmentName || '',
    state: c.state,
    stateLabel: labels.subCaseState(c.state),
    card,
    cardClass: c.card === 'red' ? 'late' : 'warn',
    startedOn: c.startedOn || '',
    dueOn: c.dueOn || '',
    reasons: c.reasons || '',
    supplement: c.state === 'supplement'
  }
}

/** The application with labels, its items, and which of the applicant's steps are open. */
function decorate(application, bundle) {
  const matters = matterTable(bundle)
  return {
    id: application.id,
    number: application.number,
    name: (bundle && bundle.name) || '办件',
    state: application.state,
    stateLabel: labels.applicationState(application.state),
    open: labels.isOpen(application.state),
    submittedAt: application.submittedAt.slice(0, 16).replace('T', ' '),
    delivery: labels.delivery(application.delivery),
    returnReasons: application.state === 'returned' ? application.returnReasons || '' : '',
    commitmentDueOn: application.commitmentDueOn || '',
    deferredCount: application.deferredMaterials.length,
    canWithdraw: application.state === 'submitted' || application.state === 'returned',
    canResubmit: application.state === 'returned',
    finished: application.state === 'finished',
    subCases: (application.subCases || []).map((c) => subCase(c, matters))
  }
}

/**
 * The files that may be added now, one entry per material: which matters ask for it and the
 * files it has. The API names a wanted material by code only, so it is shown by the matters
 * that ask for it (and the names of the files already given for it), never by its code.
 */
function wantedFiles(wanted, bundle) {
  const matters = matterTable(bundle)
  return Object.keys(wanted.wanted).map((code, index) => {
    const askedBy = wanted.wanted[code].map((m) => (matters[m] || {}).name || '办理事项')
    const files = wanted.uploads.filter((u) => u.materialCode === code)
    return {
      code,
      matterCodes: wanted.wanted[code],
      label: '补充材料 ' + (index + 1) + '（' + askedBy.join('、') + '要求）',
      files: files.map((f) => f.filename)
    }
  })
}

const STARS = [
  { value: '5', label: '5 星 · 非常满意' },
  { value: '4', label: '4 星 · 满意' },
  { value: '3', label: '3 星 · 基本满意' },
  { value: '2', label: '2 星 · 不满意' },
  { value: '1', label: '1 星 · 非常不满意' }
]

/** 好差评 as shown: the rating given (or null), and the complaint a poor one opened. */
function ratingView(state) {
  const complaint = state.complaint
  return {
    given: state.rating ? { stars: state.rating.stars, comment: state.rating.comment } : null,
    tags: state.tags,
    complaint: complaint ? {
      answered: Boolean(complaint.answer),
      answer: complaint.answer || '',
      dueOn: complaint.dueOn,
      overdue: complaint.overdue
    } : null
  }
}

module.exports = { POLL_MS, STARS, decorate, wantedFiles, ratingView }
