/**
 * Where the mini-program finds OneThing.
 *
 * Against a local server (`make run`) in WeChat DevTools: http://127.0.0.1:8000 with
 * 详情 → 本地设置 → 不校验合法域名 turned on (project.config.json sets urlCheck: false).
 * On a phone (真机调试) use the computer's LAN address instead of 127.0.0.1.
 */
module.exports = {
  baseUrl: 'http://127.0.0.1:8000',
  locale: 'zh-CN',
  // Development only (WeChat DevTools against `make run`): DevTools' wx.login answers a code
  // from WeChat's own servers, which the local WeChat stand-in cannot exchange. With devLogin
  // on, 登录 asks the stand-in for the code instead (POST /dev/wechat/login, answered only
  // outside production), as that WeChat user: devOpenid, or the stand-in's one developer
  // when empty. Keep it false in anything uploaded to WeChat.
  devLogin: false,
  devOpenid: ''
}
