set multiplot layout 5,3 margins screen 0.13,0.89,0.09,0.93 spacing screen 0.075,0.03 title {{title}} font ',12'
set palette defined (0 '#ffffff', 1 '#fdae61', 2 '#d7191c', 3 '#67001f')
set cbrange [0:{{rho_max}}]
set cblabel 'rho (one scale for all panels)'
set colorbox user origin screen 0.925,0.3 size screen 0.015,0.4
set xrange [-0.5:{{last_layer}}.5]
set yrange [4.5:-0.5]
set tics nomirror scale 0.5
set ytics font ',8'
unset key
{{column_labels}}
