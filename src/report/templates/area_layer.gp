set title '{{roi}}: significant rho per channel with a significant layer' font ',10'
set xrange [-0.5:{{last_layer}}.5]
set yrange [4.5:-0.5]
set xtics rotate by 45 right
set xtics ({{layers}})
set ytics ({{areas}})
set palette defined (0 '#ffffff', 1 '#fdae61', 2 '#d7191c', 3 '#67001f')
set cbrange [0:{{rho_max}}]
set cblabel 'rho (one scale for the 15 ROIs)'
set tics nomirror
unset key
$m{{roi_index}} << EOD
{{matrix}}
EOD
plot $m{{roi_index}} matrix with image
