/**
 * The words a person reads for the codes /mp/v1 answers with (states, warning cards,
 * delivery, enterprise roles, departments). The server sends codes for these so that programs can rely on
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

// The catalog's department codes in words (generic: a city names its own bureaus, and
// /mp/v1 sends only the code). An unknown code is left out rather than shown.
const DEPARTMENTS = {
  'public-security': '公安部门', health: '卫生健康部门', 'human-resources': '人力资源社会保障部门',
  'medical-insurance': '医疗保障部门', 'market-regulation': '市场监管部门', taxation: '税务部门',
  'natural-resources': '自然资源部门（不动产登记）', 'housing-fund': '住房公积金管理中心',
  'civil-affairs': '民政部门', 'disabled-persons-federation': '残疾人联合会',
  utilities: '水电气公用事业单位', education: '教育部门', transport: '交通运输部门',
  'veterans-affairs': '退役军人事务部门', commerce: '商务部门', 'housing-construction': '住房城乡建设部门',
  justice: '司法行政部门', 'ecology-environment': '生态环境部门', emergency: '应急管理部门',
  'culture-tourism': '文化旅游部门', 'development-reform': '发展改革部门', finance: '财政部门',
  'data-resources': '政务服务中心', 'financial-regulation': '金融监管部门', 'people-bank': '人民银行（开户银行）',
  customs: '海关', court: '人民法院', 'fire-rescue': '消防救援机构', 'urban-management': '城市管理部门',
  'water-affairs': '水利部门'
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
  department: (code) => DEPARTMENTS[code] || '',
  realNameLevel: (code) => REAL_NAME_LEVELS[code] || '未实名',
  isOpen: (state) => OPEN_STATES.indexOf(state) >= 0
}
