{% test has_no_issues_of_type(model, column_name, issue_type) %}

select *
from {{ model }}
where {{ column_name }} = '{{ issue_type }}'

{% endtest %}
