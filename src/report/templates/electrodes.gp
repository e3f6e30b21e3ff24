{{atlas_colours}}
{{atlas_data}}
$ch << EOD
{{channels}}
EOD
set multiplot title {{title}} font ',12'
unset key
set size ratio -1
set tics nomirror font ',8' scale 0.5
set grid lc rgb '#e8e8e8'
{{panels}}
set origin 0,0
set size noratio 1,0.13
unset border
unset tics
unset grid
unset title
unset xlabel
unset ylabel
set xrange [0:1]
set yrange [0:1]
set key center center horizontal maxrows 2 font ',9' width 1
plot -1 with lines lc rgb "white" notitle, {{legend}}
unset multiplot
