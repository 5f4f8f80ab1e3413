module example.com/smshook/verifysignature

go 1.19
