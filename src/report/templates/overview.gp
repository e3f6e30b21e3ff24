set title 'Alignment of the 15 ROIs: dot area = volume, colour = alignment rho, ring = p < 0.005/15'
set xrange [-0.6:2.6]
set yrange [-0.6:4.6]
set xlabel 'window'
set ylabel 'band'
set grid
set xtics ({{windows}})
set ytics ({{bands}})
set palette defined (-1 '#2166ac', 0 '#f7f7f7', 1 '#b2182b')
set cbrange [-{{rho_max}}:{{rho_max}}]
set cblabel 'alignment rho'
set key bottom outside center horizontal
$d << EOD
{{points}}
EOD
plot $d using 1:2:3:4 with points pt 7 ps variable lc palette notitle, \
     $d using 1:2:3 with points pt 6 ps variable lc rgb '#555555' notitle{{#aligned}}, \
     $d using 1:2:($5 > 0 ? $3 + 1.2 : 1/0) with points pt 6 ps variable lw 3 lc rgb 'black' title 'aligned: p < 0.005/15'{{/aligned}}
