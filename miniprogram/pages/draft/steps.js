/** The pure parts of the draft page: which questions show, what the form sends, the key. */
const labels = require('../../utils/labels')

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

const YES_NO = [{ value: 'yes', label: '是' }, { value: 'no', label: '否' }]

// How a field is entered, by its kind: choices as radio buttons with their labels (the server
// wants the option's value, the person reads its label), dates with the date picker, long
// text in a textarea, the rest typed with the keyboard that fits.
const CONTROLS = { select: 'choice', boolean: 'choice', date: 'date', textarea: 'textarea' }
const KEYBOARDS = { phone: 'number', number: 'digit', money: 'digit', 'id-number': 'idcard' }

function choicesOf(field) {
  return field.kind === 'boolean' ? YES_NO : field.options
}

/** A value in words: an option's label for a choice, the value itself otherwise. */
function shownValue(field, value) {
  if (!CONTROLS[field.kind] || CONTROLS[field.kind] !== 'choice') return value
  const chosen = choicesOf(field).find((o) => o.value === value)
  return chosen ? chosen.label : value
}

/** 来自<部门>·<来源>（<日期>）: where a value from records came from, in words. */
function sourceText(source) {
  if (!source) return ''
  const department = source.departmentName
  return '来自' + (department ? department + '·' : '') + source.label + '（' + source.asOf + '）'
}

/** The form with each field's control, its choices and its source said in words. */
function decorateForm(form) {
  return {
    groups: form.groups.map((g) => Object.assign({}, g, {
      fields: g.fields.map((f) => Object.assign({}, f, {
        domId: 'field-' + f.key.replace(/[^A-Za-z0-9_-]/g, '-'),
        control: f.readOnly ? 'read-only' : (CONTROLS[f.kind] || 'input'),
        keyboard: KEYBOARDS[f.kind] || 'text',
        choices: choicesOf(f),
        shownValue: shownValue(f, f.value),
        sourceText: sourceText(f.source)
      }))
    }))
  }
}

/** What is typed into a field, as the server checks it (codes and ID numbers in capitals). */
function normalized(kind, value) {
  const text = String(value).trim()
  return kind === 'credit-code' || kind === 'id-number' ? text.toUpperCase() : text
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
  STEPS, visibleQuestions, shownAnswers, decorateForm, valuesOf, typedValues, normalized, sourceText,
  submissionKey, forgetSubmissionKey
}
