module xpto.local/pause

go 1.22
