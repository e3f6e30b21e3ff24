set title {{title}} font ',9' offset 0,-0.6
set ytics ({{areas}})
{{settings}}
$g{{roi_index}} << EOD
{{matrix}}
EOD
plot $g{{roi_index}} matrix with image
