// Run by the plugin's integration tests (maven-invoker-plugin builds this example with few steps).
def runs = new File(basedir, 'target/grokcap').listFiles().findAll { new File(it, 'run.json').isFile() }
assert runs.size() == 8 : "runs: ${runs}"
runs.each { run ->
  assert new File(run, 'run.json').text.contains('"result"') : "${run} finished"
  assert new File(run, 'weights.safetensors').isFile()
}
assert new File(basedir, 'target/site/grokcap/index.html').text.contains(runs[0].name) : 'the report names the runs'
return true
