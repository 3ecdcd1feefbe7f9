import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import './console.css'

createApp(App).use(router).use(ElementPlus, { locale: zhCn }).mount('#app')
