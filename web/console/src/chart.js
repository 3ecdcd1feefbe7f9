// ECharts, only the parts the console draws (keeps the dashboard's chunk small).
import { BarChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

// A bar chart whose bars are links: clicking one calls onPick with the bar's key.
// ``horizontal``: bars along the x axis, one row per label (long lists, e.g. every site); a null
// value is "no data" (暂无数据), never drawn as 0.
export function barChart(element, { labels, keys, values, onPick, color = '#c0392b', percent = false, horizontal = false }) {
  const chart = init(element)
  const show = (v) => (v == null ? '暂无数据' : percent ? `${v}%` : v)
  const category = { type: 'category', data: labels, axisLabel: { interval: 0, rotate: !horizontal && labels.length > 5 ? 30 : 0 } }
  // counts are whole: no 0.4 of a transfer between the ticks
  const value = { type: 'value', max: percent ? 100 : undefined, minInterval: percent ? undefined : 1 }
  chart.setOption({
    tooltip: { trigger: 'axis', valueFormatter: show },
    grid: horizontal ? { left: 16, right: 48, top: 8, bottom: 24, containLabel: true } : { left: 40, right: 16, top: 16, bottom: 60 },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? { ...category, inverse: true } : value,
    series: [{ type: 'bar', data: values, itemStyle: { color }, label: { show: true, position: horizontal ? 'right' : 'top', formatter: (p) => show(p.value) } }],
  })
  chart.on('click', (event) => onPick?.(keys[event.dataIndex]))
  return chart
}
