/**
 * The words a person reads for the codes /mp/v1 answers with (states, warning cards,
 * delivery, enterprise roles). The server sends codes for these so that programs can rely on
 * them; the mini-program's strings are Chinese, like the rest of its text.
 */
const APPLICATION_STATES = {
  submitted: '已提交，待受理',
  returned: '退回补正',
  accepted: '办理中',
  finished: '已办结',
  withdrawn: '已撤回'
}

const SUB_CASE_STATES = {
  waiting: '等待前序事项',
  in_review: '审核中',
  supplement: '待补充材料',
  approved: '已通过',
  rejected: '未通过',
  cancelled: '已取消'
}

// 电子监察: a running item near its limit (yellow) or past it (red).
const CARDS = { yellow: '临近办理时限', red: '已超期' }

const DELIVERIES = { electronic: '电子证照（存入证照）', post: '邮寄送达', window: '窗口领取' }

const ROLES = { legal_representative: '法定代表人', administrator: '管理员', agent: '经办人' }

const REAL_NAME_LEVELS = {
  L1: '已验证手机号（未实名）',
  L2: '已实名（公安人口信息核验）',
  L3: '已实名（现场核验）'
}

// Applications a person is still waiting on (首页's 办理中, and live progress).
const OPEN_STATES = ['submitted', 'returned', 'accepted']

function label(table, code) {
  return table[code] || '处理中'
}

module.exports = {
  applicationState: (code) => label(APPLICATION_STATES, code),
  subCaseState: (code) => label(SUB_CASE_STATES, code),
  card: (code) => CARDS[code] || '',
  delivery: (code) => DELIVERIES[code] || '其他方式',
  role: (code) => ROLES[code] || '成员',
  realNameLevel: (code) => REAL_NAME_LEVELS[code] || '未实名',
  isOpen: (state) => OPEN_STATES.indexOf(state) >= 0
}
