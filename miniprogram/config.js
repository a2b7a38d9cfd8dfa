/**
 * Where the mini-program finds OneThing.
 *
 * Against a local server (`make run`) in WeChat DevTools: http://127.0.0.1:8000 with
 * 详情 → 本地设置 → 不校验合法域名 turned on (project.config.json sets urlCheck: false).
 * On a phone (真机调试) use the computer's LAN address instead of 127.0.0.1.
 */
module.exports = {
  baseUrl: 'http://127.0.0.1:8000',
  locale: 'zh-CN'
}
