set title {{title}}
set style fill solid 0.9 border lc rgb '#333333'
set boxwidth {{boxwidth}} absolute
set xrange [-0.5:{{last_group}}.5]
set yrange [{{ymin}}:{{ymax}}]
set xtics ({{groups}}) {{xtic_style}}
set bmargin {{bmargin}}
set ylabel {{ylabel}}
set grid ytics lc rgb '#dddddd'
set xzeroaxis lt -1 lw 1
set tics nomirror
set key {{key}}
{{data}}
plot {{series}}
