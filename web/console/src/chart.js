// ECharts, only the parts the console draws (keeps the dashboard's chunk small).
import { BarChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

// A bar chart whose bars are links: clicking one calls onPick with the bar's key.
export function barChart(element, { labels, keys, values, onPick, color = '#c0392b', percent = false }) {
  const chart = init(element)
  chart.setOption({
    tooltip: { trigger: 'axis', valueFormatter: (v) => (percent ? `${v}%` : v) },
    grid: { left: 40, right: 16, top: 16, bottom: 60 },
    xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, rotate: labels.length > 5 ? 30 : 0 } },
    yAxis: { type: 'value', max: percent ? 100 : undefined },
    series: [{ type: 'bar', data: values, itemStyle: { color }, label: { show: true, position: 'top' } }],
  })
  chart.on('click', (event) => onPick?.(keys[event.dataIndex]))
  return chart
}
