/** The pure parts of the draft page: which questions show, what the form sends, the key. */
const STEPS = [
  { stage: 'questions', label: '问答' },
  { stage: 'notice', label: '告知' },
  { stage: 'consent', label: '授权' },
  { stage: 'form', label: '填表' },
  { stage: 'materials', label: '材料' },
  { stage: 'review', label: '确认' }
]

function holds(condition, answers) {
  const given = answers[condition.question] || []
  return condition.anyOf.some((value) => given.indexOf(value) >= 0)
}

/** Questions whose conditions hold, each with its options marked as chosen. */
function visibleQuestions(questions, answers) {
  return questions
    .filter((q) => q.shownWhen.every((c) => holds(c, answers)))
    .map((q) => Object.assign({}, q, {
      options: q.options.map((o) => Object.assign({}, o, { checked: (answers[q.key] || []).indexOf(o.value) >= 0 }))
    }))
}

/** Only the answers to questions still shown (a changed answer may hide others). */
function shownAnswers(questions, answers) {
  const shown = {}
  for (const q of visibleQuestions(questions, answers)) {
    if (answers[q.key] && answers[q.key].length) shown[q.key] = answers[q.key]
  }
  return shown
}

/** The form with each field's source said in words (来自 …, as of …). */
function decorateForm(form) {
  return {
    groups: form.groups.map((g) => Object.assign({}, g, {
      fields: g.fields.map((f) => Object.assign({}, f, {
        domId: 'field-' + f.key.replace(/[^A-Za-z0-9_-]/g, '-'),
        sourceText: f.source ? '来自' + f.source.department + '·' + f.source.label + '（' + f.source.asOf + '）' : ''
      }))
    }))
  }
}

function valuesOf(form) {
  const values = {}
  for (const g of form.groups) for (const f of g.fields) values[f.key] = f.value
  return values
}

/** What the person typed: editable fields whose value changed. */
function typedValues(form, values) {
  const typed = {}
  for (const g of form.groups) {
    for (const f of g.fields) {
      if (!f.readOnly && values[f.key] !== f.value) typed[f.key] = values[f.key]
    }
  }
  return typed
}

const KEY_PREFIX = 'onething.submission.'

function submissionKey(draftId) {
  let key = wx.getStorageSync(KEY_PREFIX + draftId)
  if (!key) {
    key = 'mp-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12)
    wx.setStorageSync(KEY_PREFIX + draftId, key)
  }
  return key
}

function forgetSubmissionKey(draftId) {
  wx.removeStorageSync(KEY_PREFIX + draftId)
}

module.exports = {
  STEPS, visibleQuestions, shownAnswers, decorateForm, valuesOf, typedValues,
  submissionKey, forgetSubmissionKey
}
